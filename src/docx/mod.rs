//! Word templates: fills the MOA and Decision-Making Matrix templates for each partnership.
//!
//! Templates are edited in the zip's XML directly; every part without tags is copied
//! byte for byte. Each template is compiled once and rendered per partnership.

mod data;
mod helpers;
mod package;
mod part;
mod tags;
pub(crate) mod xml;

use std::fmt;
use std::path::Path;

use handlebars::Handlebars;
use serde_json::Value;

pub use data::{district_fields, field_names, sample_data, template_data, top_level_names};
pub use helpers::escape_run_text;
pub use package::part_label;

use package::Package;

/// A problem with a template, named down to the tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// The template's file name.
    pub template: String,
    /// The part: `body`, `header1`, `footer2`, `footnotes`, `endnotes`; empty for the file.
    pub part: String,
    /// The text around the tag.
    pub paragraph: String,
    /// The tag as written; empty when the problem is not one tag's.
    pub tag: String,
    pub problem: String,
    pub hint: Option<String>,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.template)?;
        if !self.part.is_empty() {
            write!(f, ", {}", self.part)?;
        }
        if !self.tag.is_empty() {
            write!(f, ", tag {}", self.tag)?;
        }
        write!(f, ": {}", self.problem)?;
        if !self.paragraph.is_empty() {
            write!(f, "\n  in: \"{}\"", around(&self.paragraph, &self.tag))?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for TemplateError {}

/// Up to 40 characters either side of `tag` in `text`.
fn around(text: &str, tag: &str) -> String {
    let text = text.replace('\n', " ");
    let chars: Vec<char> = text.chars().collect();
    let at = text.find(tag).map_or(0, |byte| text[..byte].chars().count());
    let start = at.saturating_sub(40);
    let end = (at + tag.chars().count() + 40).min(chars.len());
    let mut shown: String = chars[start..end].iter().collect();
    if start > 0 {
        shown.insert_str(0, "...");
    }
    if end < chars.len() {
        shown.push_str("...");
    }
    shown
}

/// The tags of one part, as `partnerdocs templates` lists them.
#[derive(Debug, Clone)]
pub struct PartTags {
    pub label: String,
    pub tags: Vec<String>,
}

/// A compiled template, ready to fill for any number of partnerships at once.
pub struct Template {
    /// The template's file name.
    pub name: String,
    /// Every tag of every part.
    pub parts: Vec<PartTags>,
    package: Package,
    registry: Handlebars<'static>,
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Template")
            .field("name", &self.name)
            .field("parts", &self.parts)
            .finish()
    }
}

impl Template {
    /// Reads and compiles a template, checking every tag against the fields in `sample`.
    ///
    /// Every problem in the template is returned, not just the first.
    pub fn load(path: &Path, sample: &Value) -> Result<Template, Vec<TemplateError>> {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        );
        let file_error = |problem: String, hint: &str| TemplateError {
            template: name.clone(),
            part: String::new(),
            paragraph: String::new(),
            tag: String::new(),
            problem,
            hint: (!hint.is_empty()).then(|| hint.to_string()),
        };
        let (package, text_parts) = package::open(path)
            .map_err(|(problem, hint)| vec![file_error(problem, hint)])?;

        let mut registry = Handlebars::new();
        helpers::register(&mut registry);
        let mut errors = Vec::new();
        let mut parts = Vec::new();
        for text_part in text_parts {
            let problems = match part::prepare_part(&text_part.xml, sample) {
                Ok(prepared) => {
                    parts.push(PartTags {
                        label: text_part.label.clone(),
                        tags: prepared.tags,
                    });
                    match registry
                        .register_template_string(&text_part.entry, prepared.source)
                    {
                        Ok(()) => continue,
                        Err(err) => vec![part::TagProblem {
                            paragraph: String::new(),
                            tag: String::new(),
                            problem: format!(
                                "the tags do not fit together: {}",
                                err.reason()
                            ),
                            hint: None,
                        }],
                    }
                }
                Err(problems) => problems,
            };
            errors.extend(problems.into_iter().map(|problem| TemplateError {
                template: name.clone(),
                part: text_part.label.clone(),
                paragraph: problem.paragraph,
                tag: problem.tag,
                problem: problem.problem,
                hint: problem.hint,
            }));
        }
        if errors.is_empty() {
            Ok(Template { name, parts, package, registry })
        } else {
            Err(errors)
        }
    }

    /// The SHA-256 of the template file: documents made from it change when it does.
    pub fn sha256(&self) -> &str {
        &self.package.sha256
    }

    /// Fills the template with one partnership's fields, giving the `.docx` bytes.
    pub fn render(&self, data: &Value) -> Result<Vec<u8>, String> {
        let context = handlebars::Context::wraps(data).map_err(|err| err.to_string())?;
        self.package.write_filled(|entry, out| {
            self.registry.render_with_context_to_write(entry, &context, out).map_err(
                |err| {
                    let part = part_label(entry).unwrap_or_default();
                    format!("failed to fill the {part} of {}: {err}", self.name)
                },
            )
        })
    }
}

/// Loads several templates, reporting the problems of all of them together.
pub fn load_templates(
    paths: &[&Path],
    sample: &Value,
) -> Result<Vec<Template>, Vec<TemplateError>> {
    let mut templates = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match Template::load(path, sample) {
            Ok(template) => templates.push(template),
            Err(mut problems) => errors.append(&mut problems),
        }
    }
    if errors.is_empty() {
        Ok(templates)
    } else {
        Err(errors)
    }
}
