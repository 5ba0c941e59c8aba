//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses its own share of the helpers

pub mod docx_text;
pub mod partnership;
pub mod workspace;
