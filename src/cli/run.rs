//! `partnerdocs run`: the main job, every stage over every partnership.

use std::time::Instant;

use anyhow::Context;
use tracing::{error, info};

use crate::cli::check::{intake_summary, outcome, print_problems, read_intake};
use crate::cli::templates;
use crate::cli::{Outcome, Settings};
use crate::outputs::agreements::{write_agreements, AgreementTemplates};
use crate::outputs::summary::ExtraColumn;
use crate::outputs::{self, write_atomic};
use crate::rubric;

/// Reads the inputs, scores every partnership, fills its documents and writes the outputs.
pub fn run(settings: &Settings) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let templates = match templates::load(settings) {
        Ok(templates) => templates,
        Err(errors) => {
            templates::report(&errors);
            return Ok(Outcome::Failed);
        }
    };
    let intake = read_intake(settings)?;
    if !settings.quiet {
        print_problems(&intake);
    }

    let assessed = rubric::assess_all(&intake.partnerships, &settings.config);
    let rows: Vec<_> = intake.partnerships.iter().zip(&assessed).collect();

    let agreement_templates =
        AgreementTemplates { moa: &templates.moa, matrix: &templates.matrix };
    let written = write_agreements(
        &settings.outputs,
        &rows,
        &agreement_templates,
        &settings.config,
        settings.as_of,
    );
    for failure in &written.failures {
        error!("{failure}");
    }
    let documents = written.files.iter().flatten().count() * 2;
    info!(documents, "wrote the agreements");

    let cell = |pick: fn(&outputs::agreements::AgreementFiles) -> &String| {
        written
            .files
            .iter()
            .map(|f| f.as_ref().map(pick).cloned().unwrap_or_default())
            .collect()
    };
    let extra = [
        ExtraColumn { header: "moa_docx".into(), cells: cell(|f| &f.moa_docx) },
        ExtraColumn { header: "matrix_docx".into(), cells: cell(|f| &f.matrix_docx) },
    ];
    let summary_path = settings.outputs.join("summary.csv");
    write_atomic(&summary_path, |out| {
        outputs::summary::write_summary_with(out, &rows, &extra)
            .map_err(std::io::Error::other)
    })
    .with_context(|| format!("failed to write {}", summary_path.display()))?;
    let rejected_path = settings.outputs.join("rejected.csv");
    write_atomic(&rejected_path, |out| {
        outputs::rejected::write_rejected(out, &intake.problems)
            .map_err(std::io::Error::other)
    })
    .with_context(|| format!("failed to write {}", rejected_path.display()))?;
    outputs::sync_all(&settings.outputs).with_context(|| {
        format!("failed to flush {} to disk", settings.outputs.display())
    })?;

    if !settings.quiet {
        println!("{}", intake_summary(&intake));
        println!("{}", rubric::level_summary(&assessed));
        println!(
            "{documents} documents written to {} in {:.1} s",
            settings.outputs.join("agreements").display(),
            started.elapsed().as_secs_f64()
        );
    }
    if !written.failures.is_empty() {
        return Ok(Outcome::Rejected);
    }
    Ok(outcome(&intake))
}
