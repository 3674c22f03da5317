//! Tests of the structure stage (filled by its issue).
