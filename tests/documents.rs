//! `partnerdocs run` writing each partnership's MOA and Decision-Making Matrix.
#![allow(clippy::unwrap_used)] // a failed step should stop the test where it happened

mod support;

use std::path::Path;

use support::docx_text::{assert_parts_parse, part_blocks, Block};
use support::workspace::{
    have, partnerdocs, repo, sample_inputs, stderr, stdout, summary, tree, workspace,
};

fn text_of(docx: &[u8]) -> String {
    let mut text = String::new();
    for block in part_blocks(docx, "word/document.xml") {
        match block {
            Block::Paragraph(paragraph) => text.push_str(&paragraph),
            Block::Table(rows) => {
                rows.iter().flatten().for_each(|cell| text.push_str(cell))
            }
        }
        text.push('\n');
    }
    text
}

#[test]
fn run_fills_an_moa_and_a_matrix_for_every_accepted_partnership() {
    let dir = workspace(&sample_inputs());
    let output = partnerdocs(dir.path(), &["run", "--as-of", "2026-12-03"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stdout(&output).contains("documents: 120 written"), "{}", stdout(&output));

    let outputs = dir.path().join("outputs");
    let rows = summary(&outputs);
    assert_eq!(rows.len(), 30);
    for row in &rows {
        for column in ["moa_docx", "matrix_docx"] {
            let docx = std::fs::read(outputs.join(&row[column])).unwrap();
            assert_parts_parse(&docx);
        }
        for column in ["moa_pdf", "matrix_pdf"] {
            let pdf = std::fs::read(outputs.join(&row[column])).unwrap();
            assert!(pdf.starts_with(b"%PDF-"), "{} is not a PDF", row[column]);
        }
    }

    let counseling = rows.iter().find(|r| r["partnership_id"] == "RUSD-2026-006").unwrap();
    assert_eq!(
        counseling["moa_docx"],
        "agreements/RUSD-2026-006 Hillside Community Mental Health Clinic/\
         RUSD-2026-006 Hillside Community Mental Health Clinic - MOA.docx"
    );
    let moa = text_of(&std::fs::read(outputs.join(&counseling["moa_docx"])).unwrap());
    for expected in [
        "Hillside Community Mental Health Clinic",
        "School-Based Counseling",
        "Riverside Unified School District",
        "$85,000.00",
    ] {
        assert!(moa.contains(expected), "{expected} missing from the MOA:\n{moa}");
    }
    let header = part_blocks(
        &std::fs::read(outputs.join(&counseling["moa_docx"])).unwrap(),
        "word/header1.xml",
    );
    assert!(format!("{header:?}").contains("RUSD-2026-006"), "{header:?}");

    // Without Decisions rows of its own, a partnership gets the default matrix for its level.
    let matrix = text_of(&std::fs::read(outputs.join(&counseling["matrix_docx"])).unwrap());
    assert!(matrix.contains("Program design"), "{matrix}");
}

#[test]
fn decisions_from_the_intake_fill_the_matrix_rows() {
    let dir = workspace(&[repo("tests/fixtures/formats/partnerships.xlsx")]);
    let output = partnerdocs(dir.path(), &["run", "--as-of", "2026-12-03"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let outputs = dir.path().join("outputs");
    let rows = summary(&outputs);
    let stem = rows.iter().find(|r| r["partnership_id"] == "FMT-004").unwrap();
    let matrix = std::fs::read(outputs.join(&stem["matrix_docx"])).unwrap();
    let tables: Vec<Vec<Vec<String>>> = part_blocks(&matrix, "word/document.xml")
        .into_iter()
        .filter_map(|block| match block {
            Block::Table(rows) => Some(rows),
            _ => None,
        })
        .collect();
    let decisions: Vec<&str> = tables
        .iter()
        .flatten()
        .filter(|row| row.len() == 4)
        .map(|row| row[0].as_str())
        .collect();
    assert!(decisions.contains(&"Program design"), "{tables:?}");
    assert!(decisions.contains(&"Staffing and background checks"), "{tables:?}");
    assert!(decisions.contains(&"Student data"), "{tables:?}");
    assert!(!decisions.contains(&"Budget"), "the default matrix is not used: {tables:?}");
}

#[test]
fn every_output_is_the_same_bytes_every_run_and_thread_count() {
    let dir = workspace(&sample_inputs());
    partnerdocs(dir.path(), &["run", "--as-of", "2026-12-03", "--jobs", "1"]);
    let first = tree(&dir.path().join("outputs"));
    std::fs::remove_dir_all(dir.path().join("outputs")).unwrap();
    partnerdocs(dir.path(), &["run", "--as-of", "2026-12-03", "--jobs", "2"]);
    let second = tree(&dir.path().join("outputs"));
    assert_eq!(first.len(), second.len());
    for ((name, a), (other, b)) in first.iter().zip(&second) {
        assert_eq!(name, other);
        assert!(a == b, "{name} differs between runs");
    }
}

#[test]
fn a_bad_template_exits_2_and_writes_no_document() {
    let dir = workspace(&sample_inputs());
    std::fs::copy(
        repo("tests/fixtures/templates/bad/unknown_field.docx"),
        dir.path().join("templates/moa.docx"),
    )
    .unwrap();
    std::fs::copy(
        repo("tests/fixtures/templates/bad/macros.docm"),
        dir.path().join("templates/decision-matrix.docx"),
    )
    .unwrap();
    let output = partnerdocs(dir.path(), &["run"]);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(
        text.contains(
            "moa.docx, body, tag {{partner_nmae}}: no field named `partner_nmae`"
        ),
        "{text}"
    );
    assert!(text.contains("moa.docx, footer1, tag {{no_such_thing}}"), "{text}");
    assert!(text.contains("decision-matrix.docx: the template holds macros"), "{text}");
    assert!(!dir.path().join("outputs").exists(), "nothing is written");

    let output = partnerdocs(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_templates_command_lists_every_tag() {
    let dir = workspace(&[]);
    let output = partnerdocs(dir.path(), &["templates"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("moa.docx: every tag checked"), "{text}");
    assert!(text.contains("decision-matrix.docx: every tag checked"), "{text}");
    assert!(text.contains("{{#each decisions}}"), "{text}");
    assert!(text.contains("header1"), "{text}");
}

#[test]
fn libreoffice_opens_the_filled_documents() {
    if !have("soffice") {
        eprintln!("skipped: LibreOffice (soffice) is not installed; .ci/run installs it");
        return;
    }
    let dir = workspace(&[repo("tests/fixtures/formats/partnerships.xlsx")]);
    partnerdocs(dir.path(), &["run", "--as-of", "2026-12-03"]);
    let outputs = dir.path().join("outputs");
    let rows = summary(&outputs);
    let wellness = rows.iter().find(|r| r["partnership_id"] == "FMT-005").unwrap();
    let converted = dir.path().join("converted");
    let status = std::process::Command::new("soffice")
        .args(["--headless", "--norestore", "--convert-to", "txt:Text", "--outdir"])
        .arg(&converted)
        .arg(outputs.join(&wellness["moa_docx"]))
        .arg(outputs.join(&wellness["matrix_docx"]))
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let read = |name: &str| {
        let path = Path::new(name).with_extension("txt");
        std::fs::read_to_string(converted.join(path.file_name().unwrap())).unwrap()
    };
    let moa = read(&wellness["moa_docx"]);
    for expected in [
        "Memorandum of Agreement",
        "Family Wellness Nights",
        "Hillside Community Health Clinic",
        "Board recategorized at its November 2026 meeting",
    ] {
        assert!(moa.contains(expected), "{expected} missing:\n{moa}");
    }
    let matrix = read(&wellness["matrix_docx"]);
    assert!(matrix.contains("Use of school space"), "{matrix}");
    assert!(matrix.contains("Flyers reviewed by the principal"), "{matrix}");
}

#[test]
fn the_report_counts_the_run_and_links_to_files_that_exist() {
    let dir = workspace(&sample_inputs());
    partnerdocs(dir.path(), &["run", "--as-of", "2026-12-03"]);
    let outputs = dir.path().join("outputs");
    let html = std::fs::read_to_string(outputs.join("report.html")).unwrap();
    let page = scraper::Html::parse_document(&html);

    let count = |name: &str| {
        let selector =
            scraper::Selector::parse(&format!("[data-count=\"{name}\"]")).unwrap();
        let element =
            page.select(&selector).next().unwrap_or_else(|| panic!("{name} missing"));
        element.text().collect::<String>().trim().to_string()
    };
    assert_eq!(count("accepted"), "30");
    assert_eq!(count("rejected"), "3");

    let links = scraper::Selector::parse("a[href]").unwrap();
    let mut documents = 0;
    for link in page.select(&links) {
        let href = link.value().attr("href").unwrap();
        if href.starts_with('#') {
            continue;
        }
        let path = percent_encoding::percent_decode_str(href).decode_utf8().unwrap();
        assert!(outputs.join(path.as_ref()).is_file(), "{href} does not resolve");
        documents += 1;
    }
    assert_eq!(documents, 120);
    assert!(html.contains("partnerships-2026-27.xlsx"), "the rejected rows are listed");
}
