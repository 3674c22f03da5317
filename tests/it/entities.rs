//! Tests of the entities stage (filled by its issue).
