//! Typst's diagnostics, and glyphs no font had, as one-line messages for people.

use std::collections::BTreeSet;

use typst::diag::SourceDiagnostic;
use typst::layout::{Frame, FrameItem};
use typst::syntax::DiagSpan;
use typst::text::TextItem;
use typst::WorldExt;
use typst_layout::PagedDocument;

use super::world::DocumentWorld;

/// Each diagnostic as `line L, column C: message`, hints on their own lines; duplicates
/// dropped, order kept.
pub(crate) fn describe_all<'d>(
    world: &DocumentWorld,
    diagnostics: impl IntoIterator<Item = &'d SourceDiagnostic>,
) -> Vec<String> {
    let mut seen = BTreeSet::new();
    diagnostics
        .into_iter()
        .map(|diagnostic| describe(world, diagnostic))
        .filter(|text| seen.insert(text.clone()))
        .collect()
}

/// One diagnostic as text.
fn describe(world: &DocumentWorld, diagnostic: &SourceDiagnostic) -> String {
    let mut text = located(world, diagnostic.span, &diagnostic.message);
    for hint in &diagnostic.hints {
        text.push_str("\n  hint: ");
        text.push_str(&hint.v);
    }
    text
}

/// A message prefixed with where in the markup it points, when it points there.
fn located(world: &DocumentWorld, span: DiagSpan, message: &str) -> String {
    match position(world, span) {
        Some((line, column)) => format!("line {line}, column {column}: {message}"),
        None => message.to_string(),
    }
}

/// The one-based line and column a span starts at in the document's markup (which
/// the typesetter may have split into several files).
fn position(world: &DocumentWorld, span: DiagSpan) -> Option<(usize, usize)> {
    let start = world.markup_offset(span.id()?, world.range(span)?.start)?;
    let before = world.markup().get(..start)?;
    let line = before.matches('\n').count();
    let column = before.rfind('\n').map_or(before, |at| &before[at + 1..]).chars().count();
    Some((line + 1, column + 1))
}

/// A warning for each character drawn without a glyph (as an empty box) because no
/// font has it, once per character.
pub(crate) fn missing_glyphs(
    world: &DocumentWorld,
    document: &PagedDocument,
) -> Vec<String> {
    let mut missing = Vec::new();
    for page in document.pages() {
        collect_missing(&page.frame, &mut missing);
    }

    let mut seen = BTreeSet::new();
    missing
        .into_iter()
        .filter(|(c, _)| seen.insert(*c))
        .map(|(c, span)| {
            let message = format!(
                "no font has a glyph for {c:?} (U+{:04X}); install a font that covers it",
                u32::from(c)
            );
            located(world, span, &message)
        })
        .collect()
}

/// Walks a frame and its groups for glyphs that are the font's "missing" glyph.
fn collect_missing(frame: &Frame, missing: &mut Vec<(char, DiagSpan)>) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => collect_missing(&group.frame, missing),
            FrameItem::Text(text) => collect_missing_in_text(text, missing),
            _ => {}
        }
    }
}

/// The characters of a text run that were drawn with glyph 0 (`.notdef`).
fn collect_missing_in_text(text: &TextItem, missing: &mut Vec<(char, DiagSpan)>) {
    for glyph in text.glyphs.iter().filter(|glyph| glyph.id == 0) {
        let drawn = text.text.get(glyph.range()).unwrap_or_default();
        if let Some(c) = drawn.chars().find(|c| !c.is_whitespace()) {
            missing.push((c, glyph.span.0.into()));
        }
    }
}
