//! Tests of the reliability stage (filled by its issue).
