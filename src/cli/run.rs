//! `partnerdocs run`: the main job, every stage over every partnership.

use std::time::Instant;

use anyhow::Context;
use tracing::info;

use crate::cli::check::{intake_summary, outcome, print_problems, read_intake};
use crate::cli::{Outcome, Settings};
use crate::outputs;
use crate::rubric;

/// Reads the inputs, scores every partnership and writes the outputs.
pub fn run(settings: &Settings) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let intake = read_intake(settings)?;
    if !settings.quiet {
        print_problems(&intake);
    }

    let assessed = rubric::assess_all(&intake.partnerships, &settings.config);
    let rows: Vec<_> = intake.partnerships.iter().zip(&assessed).collect();

    let summary_path = settings.outputs.join("summary.csv");
    outputs::write_atomic(&summary_path, |out| {
        outputs::summary::write_summary(out, &rows).map_err(std::io::Error::other)
    })
    .with_context(|| format!("failed to write {}", summary_path.display()))?;
    let rejected_path = settings.outputs.join("rejected.csv");
    outputs::write_atomic(&rejected_path, |out| {
        outputs::rejected::write_rejected(out, &intake.problems)
            .map_err(std::io::Error::other)
    })
    .with_context(|| format!("failed to write {}", rejected_path.display()))?;
    info!(folder = %settings.outputs.display(), "wrote summary.csv and rejected.csv");

    if !settings.quiet {
        println!("{}", intake_summary(&intake));
        println!("{}", rubric::level_summary(&assessed));
        println!(
            "outputs in {} ({:.1} s)",
            settings.outputs.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(outcome(&intake))
}
