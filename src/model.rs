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
        // The entity matcher takes as long as the two others together: built beside them.
        let (entities, (structure, claims)) = rayon::join(
            || crate::entities::Model::build(kb_files),
            || (crate::structure::Model::build(), crate::claims::Model::build()),
        );
        Ok(Model { structure: structure?, entities: entities?, claims: claims? })
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
