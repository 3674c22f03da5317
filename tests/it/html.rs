//! Tests of the html stage (filled by its issue).
