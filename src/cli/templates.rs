//! `partnerdocs templates`: every tag each template uses, checked against the fields.

use crate::cli::{Outcome, Settings};
use crate::docx::{field_names, load_templates, sample_data, Template, TemplateError};

/// The MOA and Decision-Making Matrix templates, compiled.
pub struct Templates {
    pub moa: Template,
    pub matrix: Template,
}

/// Loads and checks the configured templates; every problem in every template is returned.
pub fn load(settings: &Settings) -> Result<Templates, Vec<TemplateError>> {
    let names = &settings.config.templates;
    let moa = settings.templates.join(&names.moa);
    let matrix = settings.templates.join(&names.decision_matrix);
    let sample = sample_data(&settings.config, settings.as_of);
    let mut templates = load_templates(&[&moa, &matrix], &sample)?;
    let matrix = templates.pop();
    let moa = templates.pop();
    match (moa, matrix) {
        (Some(moa), Some(matrix)) => Ok(Templates { moa, matrix }),
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
    for template in [&templates.moa, &templates.matrix] {
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
    Ok(Outcome::Clean)
}
