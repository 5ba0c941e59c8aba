//! Filling Word templates whose tags are stored every way Word stores them.
#![allow(clippy::unwrap_used)] // a failed step should stop the test where it happened

mod support;

use std::path::{Path, PathBuf};

use partnerdocs::docx::{Template, TemplateError};
use serde_json::{json, Value};
use support::docx_text::{assert_parts_parse, part_blocks, Block};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/templates").join(name)
}

/// The fill data of `tests/fixtures/templates/EXPECTED.md`.
fn data() -> Value {
    json!({
        "partnership_id": "P-001",
        "program_name": "Reading {{Buddies}}",
        "partner_name": "Ríos & Sons <Learning> \"Co\" 'Ltd' 🎉",
        "partner_contact": "",
        "partner_address": "12 Main St\nSuite 4\nRiverside, CA",
        "schools": ["Lincoln Elementary", "Adams Middle"],
        "district_priorities": [],
        "start_date": "2027-01-15",
        "district_funds": 12500,
        "board_approval": true,
        "data_agreement": false,
        "num_schools": 2,
        "intensity_label": "High",
        "decisions": [
            {"decision": "Program design", "district_role": "D", "partner_role": "C",
             "notes": "Reviewed yearly"},
            {"decision": "Budget", "district_role": "D", "partner_role": "I", "notes": ""}
        ],
        "rubric": [{"criterion": "Scope", "level": "high", "explanation": "instructional"}],
        "district_name": "Riverside USD"
    })
}

fn fill(name: &str) -> Vec<u8> {
    let template = Template::load(&fixture(name), &data()).unwrap();
    let docx = template.render(&data()).unwrap();
    assert_parts_parse(&docx);
    docx
}

fn p(text: &str) -> Block {
    Block::Paragraph(text.to_string())
}

fn table(rows: &[&[&str]]) -> Block {
    Block::Table(
        rows.iter().map(|row| row.iter().map(|c| c.to_string()).collect()).collect(),
    )
}

const PARTNER: &str = "Ríos & Sons <Learning> \"Co\" 'Ltd' 🎉";

#[test]
fn tags_split_across_runs_proofing_bookmarks_and_revisions_are_filled() {
    let docx = fill("split_runs.docx");
    assert_eq!(
        part_blocks(&docx, "word/document.xml"),
        [
            p("Split runs"),
            p(&format!("Partner: {PARTNER}.")),
            p("Program: Reading {{Buddies}}"),
            p("Starts 01/15/2027."),
            p("District: Riverside USD."),
            p("12 Main St\nSuite 4\nRiverside, CA"),
            p("Schools & sites <K-8>: Lincoln Elementary; Adams Middle"),
        ]
    );
}

#[test]
fn headers_footers_footnotes_and_endnotes_are_filled() {
    let docx = fill("headers_footers.docx");
    assert_eq!(part_blocks(&docx, "word/document.xml")[1], p(&format!("Body {PARTNER}")));
    assert_eq!(part_blocks(&docx, "word/header1.xml"), [p("Header P-001")]);
    assert_eq!(part_blocks(&docx, "word/footer1.xml"), [p("Footer Riverside USD page 1")]);
    let notes = part_blocks(&docx, "word/footnotes.xml");
    assert!(notes.contains(&p(" Note Reading {{Buddies}}")), "{notes:?}");
    let notes = part_blocks(&docx, "word/endnotes.xml");
    assert!(notes.contains(&p(" End High")), "{notes:?}");
}

#[test]
fn blocks_in_one_table_row_repeat_or_remove_the_row() {
    let docx = fill("row_loop.docx");
    assert_eq!(
        part_blocks(&docx, "word/document.xml"),
        [
            p("Row loops"),
            table(&[
                &["Decision", "District", "Partner", "Notes"],
                &["Program design", "D", "C", "Reviewed yearly"],
                &["Budget", "D", "I", ""],
            ]),
            p("Approvals"),
            table(&[
                &["Step", "Note"],
                &["Board", "Board approval required"],
                &["Data", "No data agreement needed"],
            ]),
            p("After"),
        ]
    );
}

#[test]
fn blocks_in_paragraphs_of_their_own_repeat_the_paragraphs_between() {
    let docx = fill("paragraph_blocks.docx");
    assert_eq!(
        part_blocks(&docx, "word/document.xml"),
        [
            p("Paragraph blocks"),
            p("Before"),
            p("School: Lincoln Elementary"),
            p("School: Adams Middle"),
            p("Needs Board approval."),
            p("Inline: no data agreement."),
            p(&format!("schools and $12,500.00 and ☒ {} high", PARTNER.to_uppercase())),
            p("After"),
        ]
    );
}

#[test]
fn nested_blocks_work() {
    let docx = fill("nested.docx");
    assert_eq!(
        part_blocks(&docx, "word/document.xml"),
        [
            p("Nested blocks"),
            p("Program design: Reviewed yearly"),
            p("Has notes"),
            p("Budget: no notes"),
            table(&[
                &["Criterion", "Level", "Explanation"],
                &["Scope", "high", "instructional"]
            ]),
            p("After"),
        ]
    );
}

#[test]
fn parts_without_tags_are_copied_byte_for_byte() {
    use std::io::Read;
    let docx = fill("headers_footers.docx");
    let original = std::fs::read(fixture("headers_footers.docx")).unwrap();
    let read = |bytes: &[u8], name: &str| {
        let mut archive =
            zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        let mut text = Vec::new();
        archive.by_name(name).unwrap().read_to_end(&mut text).unwrap();
        text
    };
    for part in ["word/styles.xml", "word/settings.xml", "[Content_Types].xml"] {
        assert_eq!(read(&docx, part), read(&original, part), "{part}");
    }
}

#[test]
fn filling_twice_gives_the_same_bytes() {
    assert_eq!(fill("nested.docx"), fill("nested.docx"));
}

fn errors(name: &str) -> Vec<TemplateError> {
    Template::load(&fixture(name), &data()).unwrap_err()
}

#[test]
fn an_unclosed_tag_is_named_with_its_paragraph() {
    let errors = errors("bad/unclosed_tag.docx");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = &errors[0];
    assert_eq!(
        (error.template.as_str(), error.part.as_str()),
        ("unclosed_tag.docx", "body")
    );
    assert_eq!(error.tag, "{{partner_name");
    assert!(error.problem.contains("never closed"), "{}", error.problem);
    assert!(error.to_string().contains("in: \"Hello {{partner_name\""), "{error}");
}

#[test]
fn every_unknown_field_in_every_part_is_reported() {
    let errors = errors("bad/unknown_field.docx");
    let found: Vec<_> = errors
        .iter()
        .map(|e| (e.part.as_str(), e.tag.as_str(), e.problem.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "body",
                "{{partner_nmae}}",
                "no field named `partner_nmae`; did you mean `partner_name`?"
            ),
            ("footer1", "{{no_such_thing}}", "no field named `no_such_thing`"),
        ]
    );
}

#[test]
fn unclosed_and_crossing_blocks_are_refused() {
    let errors_unclosed = errors("bad/unclosed_block.docx");
    assert_eq!(errors_unclosed[0].tag, "{{#each schools}}");
    assert!(errors_unclosed[0].problem.contains("never closed"));

    let crossing = errors("bad/crossing_rows.docx");
    assert_eq!(crossing.len(), 1, "{crossing:?}");
    assert_eq!(crossing[0].tag, "{{#each decisions}}");
    assert!(crossing[0].problem.contains("different paragraphs or table rows"));
    assert!(crossing[0].hint.is_some());
}

#[test]
fn files_that_are_not_plain_word_documents_are_refused() {
    let not_docx = errors("bad/not_a_docx.docx");
    assert!(
        not_docx[0].problem.starts_with("the file is not a Word document"),
        "{not_docx:?}"
    );
    let macros = errors("bad/macros.docm");
    assert!(macros[0].problem.contains("macros"), "{macros:?}");
}

#[test]
fn right_to_left_text_and_markup_characters_are_filled_as_text() {
    let mut values = data();
    values["partner_name"] = json!("מרכז הקהילה — مركز المجتمع <&> \"'");
    let template = Template::load(&fixture("split_runs.docx"), &values).unwrap();
    let docx = template.render(&values).unwrap();
    assert_parts_parse(&docx);
    let blocks = part_blocks(&docx, "word/document.xml");
    assert_eq!(blocks[1], p("Partner: מרכז הקהילה — مركز المجتمع <&> \"'."));
}

/// A one-paragraph template saved by docx-rs: `before` in plain text, then `tag` in bold.
fn signature_template(dir: &Path, tag: &str) -> PathBuf {
    use docx_rs::{Docx, Paragraph, Run};
    let path = dir.join("signature.docx");
    let file = std::fs::File::create(&path).unwrap();
    Docx::new()
        .add_paragraph(
            Paragraph::new()
                .add_run(Run::new().add_text("Signature: "))
                .add_run(Run::new().bold().add_text(format!("{tag} (district)"))),
        )
        .build()
        .pack(file)
        .unwrap();
    path
}

#[test]
fn a_signature_tag_draws_a_line_between_hidden_markers() {
    let dir = tempfile::tempdir().unwrap();
    let path = signature_template(dir.path(), "{{signature \u{201C}district\u{201D}}}");
    let template = Template::load(&path, &data()).unwrap();
    let docx = template.render(&data()).unwrap();
    assert_parts_parse(&docx);

    let xml = support::docx_text::part_xml(&docx, "word/document.xml");
    let start =
        "<w:vanish/></w:rPr><w:t xml:space=\"preserve\">partnerdocs-signature:district";
    let end = "<w:vanish/></w:rPr><w:t xml:space=\"preserve\">partnerdocs-signature-end";
    let line = format!(">{}</w:t>", "_".repeat(30));
    let (at_start, at_line, at_end) =
        (xml.find(start).unwrap(), xml.find(&line).unwrap(), xml.find(end).unwrap());
    assert!(at_start < at_line && at_line < at_end, "{xml}");
    // The text after the tag keeps the tag's bold run.
    let after = &xml[at_end..];
    let bold_run = after.find("<w:b").unwrap();
    assert!(bold_run < after.find(" (district)").unwrap(), "{after}");
    // Word shows the line; the markers are hidden text.
    assert_eq!(
        part_blocks(&docx, "word/document.xml"),
        [p(&format!(
            "Signature: partnerdocs-signature:district{}partnerdocs-signature-end (district)",
            "_".repeat(30)
        ))]
    );
}

#[test]
fn a_signature_tag_needs_a_quoted_plain_name() {
    for tag in ["{{signature district}}", "{{signature \"the district\"}}", "{{signature}}"]
    {
        let dir = tempfile::tempdir().unwrap();
        let path = signature_template(dir.path(), tag);
        let errors = Template::load(&path, &data()).unwrap_err();
        assert_eq!(errors.len(), 1, "{tag}: {errors:?}");
        assert_eq!(errors[0].tag, tag);
        assert!(errors[0].problem.contains("signature"), "{tag}: {}", errors[0].problem);
    }
}
