//! `partnerdocs templates`: every tag each template uses, checked against the fields.

use crate::board::agenda::{agenda_field_names, sample_agenda_data};
use crate::cli::{Outcome, Settings};
use crate::docx::{field_names, load_templates, sample_data, Template, TemplateError};

/// The configured templates, compiled.
pub struct Templates {
    pub moa: Template,
    pub matrix: Template,
    /// The Board agenda attachment; `None` when the templates folder has none (the
    /// Board stage then says so for each meeting).
    pub board: Option<Template>,
}

/// Loads and checks the configured templates; every problem in every template is returned.
pub fn load(settings: &Settings) -> Result<Templates, Vec<TemplateError>> {
    let names = &settings.config.templates;
    let moa = settings.templates.join(&names.moa);
    let matrix = settings.templates.join(&names.decision_matrix);
    let board = settings.templates.join(&names.board_attachment);
    let sample = sample_data(&settings.config, settings.as_of);
    let loaded = load_templates(&[&moa, &matrix], &sample);
    let board_sample = sample_agenda_data(&settings.config, settings.as_of);
    let board = board.is_file().then(|| Template::load(&board, &board_sample));

    let mut errors = Vec::new();
    let board = match board {
        Some(Ok(template)) => Some(template),
        Some(Err(mut problems)) => {
            errors.append(&mut problems);
            None
        }
        None => None,
    };
    let mut templates = match loaded {
        Ok(templates) if errors.is_empty() => templates,
        Ok(_) => return Err(errors),
        Err(mut problems) => {
            problems.append(&mut errors);
            return Err(problems);
        }
    };
    let matrix = templates.pop();
    let moa = templates.pop();
    match (moa, matrix) {
        (Some(moa), Some(matrix)) => Ok(Templates { moa, matrix, board }),
        _ => Err(Vec::new()),
    }
}

/// Prints template problems to standard error, with what happens next.
pub fn report(errors: &[TemplateError]) {
    for error in errors {
        eprintln!("{error}");
    }
    eprintln!(
        "error: {} in the templates; no document was written",
        match errors.len() {
            1 => "1 problem".to_string(),
            n => format!("{n} problems"),
        }
    );
}

/// Lists each template's tags part by part, then the fields templates can use.
pub fn templates(settings: &Settings) -> anyhow::Result<Outcome> {
    let templates = match load(settings) {
        Ok(templates) => templates,
        Err(errors) => {
            report(&errors);
            return Ok(Outcome::Failed);
        }
    };
    let all = [Some(&templates.moa), Some(&templates.matrix), templates.board.as_ref()];
    for template in all.into_iter().flatten() {
        println!("{}: every tag checked", template.name);
        for part in &template.parts {
            if !part.tags.is_empty() {
                println!(
                    "  {} ({} tags): {}",
                    part.label,
                    part.tags.len(),
                    part.tags.join(" ")
                );
            }
        }
    }
    println!("fields: {}", field_names(&settings.config).join(", "));
    println!(
        "Board attachment fields: {} (each item of approval and information has the \
         fields above, and item_number)",
        agenda_field_names(&settings.config).join(", ")
    );
    Ok(Outcome::Clean)
}
