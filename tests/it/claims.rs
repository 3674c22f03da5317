//! Tests of the claims stage (filled by its issue).
