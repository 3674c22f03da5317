//! The read-only model: everything built once before the parallel pass (knowledge base,
//! automata, regexes, lexicons) and shared by reference by every worker thread.

use anyhow::Result;
use std::path::PathBuf;

/// The per-stage models.
#[derive(Debug)]
pub struct Model {
    pub structure: crate::structure::Model,
    pub entities: crate::entities::Model,
    pub claims: crate::claims::Model,
}

impl Model {
    /// Builds every stage's model. `kb_files` extend the bundled knowledge base.
    pub fn build(kb_files: &[PathBuf]) -> Result<Self> {
        Ok(Model {
            structure: crate::structure::Model::build()?,
            entities: crate::entities::Model::build(kb_files)?,
            claims: crate::claims::Model::build()?,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn model_is_shareable() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<super::Model>();
    }
}
