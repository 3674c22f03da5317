//! The one integration-test binary: every test drives the real `recoupe` binary on temporary
//! directories. Modules are grouped by the stage or concern they exercise.

mod it;
