//! `partnerdocs score`: each partnership's rubric result, as text, CSV or JSON.

use std::io::Write;

use anyhow::Context;
use clap::{Args, ValueEnum};

use crate::cli::check::{outcome, read_intake};
use crate::cli::{Outcome, Settings};
use crate::rubric::{self, report};

/// Options of `partnerdocs score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// How to print the results.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One readable block per partnership.
    Text,
    /// One row per partnership.
    Csv,
    /// One object per partnership.
    Json,
}

/// Scores every accepted partnership and prints the results to standard output.
///
/// Rejected rows are reported on standard error so the output stays clean data.
pub fn score(settings: &Settings, args: &ScoreArgs) -> anyhow::Result<Outcome> {
    let intake = read_intake(settings)?;
    for problem in &intake.problems {
        eprintln!("{problem}");
    }
    let assessed = rubric::assess_all(&intake.partnerships, &settings.config);
    let rows: Vec<report::Scored> = intake.partnerships.iter().zip(&assessed).collect();

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Text => report::write_text(&mut out, &rows),
        Format::Csv => report::write_csv(&mut out, &rows),
        Format::Json => report::write_json(&mut out, &rows),
    }
    .and_then(|()| out.flush())
    .context("failed to print the scores")?;
    Ok(outcome(&intake))
}
