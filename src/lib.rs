//! partnerdocs turns school-community partnership intake spreadsheets into
//! signature-ready agreements.
//!
//! The pipeline runs in stages, one module each: [`intake`] reads and validates the
//! spreadsheets, [`rubric`] scores each partnership and routes it to the approvals its
//! intensity level needs, [`docx`] fills the Word templates, [`outputs`] writes the files
//! staff read, and [`pdf`] holds the typesetting engine the PDF stage is built on.

pub mod board;
pub mod cli;
pub mod config;
pub mod docx;
pub mod intake;
pub mod level;
pub mod outputs;
pub mod pdf;
pub mod rubric;
