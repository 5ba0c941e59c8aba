//! partnerdocs turns school-community partnership intake spreadsheets into
//! signature-ready agreements.
//!
//! The pipeline runs in stages, one module each: [`intake`] reads and validates the
//! spreadsheets, [`rubric`] scores each partnership and routes it to the approvals its
//! intensity level needs, and [`outputs`] writes the files staff read.

pub mod cli;
pub mod config;
pub mod docx;
pub mod intake;
pub mod level;
pub mod outputs;
pub mod pdf;
pub mod rubric;
