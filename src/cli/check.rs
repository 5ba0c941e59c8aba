//! `partnerdocs check`: report every problem in the inputs, write nothing.

use anyhow::Context;

use crate::cli::{Outcome, Settings};
use crate::intake::{self, Intake};

/// Checks the templates and the inputs, printing each problem with where to fix it.
pub fn check(settings: &Settings) -> anyhow::Result<Outcome> {
    if let Err(errors) = crate::cli::templates::load(settings) {
        crate::cli::templates::report(&errors);
        return Ok(Outcome::Failed);
    }
    let intake = read_intake(settings)?;
    print_problems(&intake);
    println!("{}", intake_summary(&intake));
    Ok(outcome(&intake))
}

/// Runs the intake stage over the inputs folder.
pub fn read_intake(settings: &Settings) -> anyhow::Result<Intake> {
    let intake = intake::read_inputs(&settings.inputs, &settings.config)
        .context("failed to read the inputs")?;
    if intake.stats.files_found == 0 {
        tracing::warn!(folder = %settings.inputs.display(), "no spreadsheets found");
    }
    Ok(intake)
}

/// Prints warnings, then problems, each with its place and hint.
pub fn print_problems(intake: &Intake) {
    for warning in &intake.warnings {
        println!("warning: {warning}");
    }
    for problem in &intake.problems {
        println!("{problem}");
    }
}

/// One line of counts: files, rows, accepted, rejected.
pub fn intake_summary(intake: &Intake) -> String {
    let stats = &intake.stats;
    let mut line = format!(
        "{} {} read: {} partnership {}, {} accepted, {} rejected",
        stats.files_found,
        plural(stats.files_found, "spreadsheet", "spreadsheets"),
        stats.rows_read,
        plural(stats.rows_read, "row", "rows"),
        intake.partnerships.len(),
        stats.rows_rejected,
    );
    if stats.files_failed > 0 {
        line +=
            &format!("; {} could not be read", plural_count(stats.files_failed, "file"));
    }
    if !intake.problems.is_empty() {
        line += &format!("; {} in all", plural_count(intake.problems.len(), "problem"));
    }
    line
}

/// Exit code 1 when anything was rejected, else 0.
pub fn outcome(intake: &Intake) -> Outcome {
    if intake.has_problems() {
        Outcome::Rejected
    } else {
        Outcome::Clean
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

fn plural_count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}
