//! `partnerdocs run` making what goes to the Board of Education: each meeting's agenda
//! attachment and packet under `outputs/board/<date>/`, and `board.csv`.
#![allow(clippy::unwrap_used)] // a failed step should stop the test where it happened

mod support;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;

use lopdf::{Document, Object};
use rust_xlsxwriter::Workbook;
use support::docx_text::{part_blocks, Block};
use support::workspace::{have, partnerdocs, stderr, stdout, workspace};

const AS_OF: &str = "2026-12-03";
const JANUARY: &str = "2027-01-14";
const FEBRUARY: &str = "2027-02-11";

/// How a test row rates on the default rubric.
#[derive(Clone, Copy)]
enum Rating {
    Low,
    Medium,
    High,
}

/// One intake row: ID, rating, board meeting, and an override to high with its reason.
struct Row {
    id: &'static str,
    rating: Rating,
    meeting: Option<&'static str>,
    override_reason: Option<&'static str>,
}

const fn row(id: &'static str, rating: Rating, meeting: Option<&'static str>) -> Row {
    Row { id, rating, meeting, override_reason: None }
}

const OVERRIDE_REASON: &str = "Serves every middle school in its second year";

/// Partnerships for two meetings, one unscheduled (no date, no calendar) and two low.
const ROWS: [Row; 8] = [
    row("H-1", Rating::High, Some(JANUARY)),
    Row {
        id: "M-2",
        rating: Rating::Medium,
        meeting: Some(JANUARY),
        override_reason: Some(OVERRIDE_REASON),
    },
    row("M-1", Rating::Medium, Some(JANUARY)),
    row("H-2", Rating::High, Some(FEBRUARY)),
    row("M-3", Rating::Medium, Some(FEBRUARY)),
    row("U-1", Rating::Medium, None),
    row("L-1", Rating::Low, None),
    row("L-2", Rating::Low, Some(FEBRUARY)),
];

/// Writes the rows as a real `.xlsx` workbook.
fn write_workbook(path: &Path, rows: &[Row]) {
    let headers = [
        "Partnership ID",
        "Program Name",
        "Partner Name",
        "District Lead",
        "Schools",
        "District Priorities",
        "Program Scope",
        "Start Date",
        "End Date",
        "Students Served",
        "Contact Hours per Week",
        "District Funds",
        "Partner Funds",
        "In-Kind Value",
        "Data Shared",
        "Board Meeting",
        "Intensity Override",
        "Override Reason",
    ];
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("Partnerships").unwrap();
    for (column, header) in headers.iter().enumerate() {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    for (index, row) in rows.iter().enumerate() {
        let cells: [&str; 15] = match row.rating {
            Rating::High => [
                "Lincoln Elementary; Jefferson Middle; Roosevelt High; Adams Elementary; \
                 Madison Middle; Monroe High",
                "Early literacy; STEM; Family engagement",
                "instructional",
                "2027-01-15",
                "2028-06-30",
                "400",
                "8",
                "20000",
                "10000",
                "5000",
                "student-level",
                "",
                "",
                "",
                "",
            ],
            Rating::Medium => [
                "Lincoln Elementary; Jefferson Middle",
                "STEM",
                "supplemental",
                "2027-01-15",
                "2027-08-15",
                "80",
                "3",
                "5000",
                "3000",
                "2000",
                "de-identified",
                "",
                "",
                "",
                "",
            ],
            Rating::Low => [
                "Lincoln Elementary",
                "",
                "event",
                "2027-01-15",
                "2027-03-15",
                "30",
                "1",
                "0",
                "500",
                "0",
                "none",
                "",
                "",
                "",
                "",
            ],
        };
        let r = index as u32 + 1;
        sheet.write_string(r, 0, row.id).unwrap();
        sheet.write_string(r, 1, format!("Program {}", row.id)).unwrap();
        sheet.write_string(r, 2, format!("Partner {}", row.id)).unwrap();
        sheet.write_string(r, 3, "Principal Avery Chen").unwrap();
        for (offset, cell) in cells[..11].iter().enumerate() {
            sheet.write_string(r, 4 + offset as u16, *cell).unwrap();
        }
        sheet.write_string(r, 15, row.meeting.unwrap_or("")).unwrap();
        if let Some(reason) = row.override_reason {
            sheet.write_string(r, 16, "high").unwrap();
            sheet.write_string(r, 17, reason).unwrap();
        }
    }
    workbook.save(path).unwrap();
}

/// A working folder with the rows and a configuration with `board` as its `[board]` table.
fn board_workspace(rows: &[Row], board: &str) -> tempfile::TempDir {
    let dir = workspace(&[]);
    write_workbook(&dir.path().join("inputs/requests.xlsx"), rows);
    std::fs::write(dir.path().join("partnerdocs.toml"), format!("[board]\n{board}\n"))
        .unwrap();
    dir
}

fn run(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["run", "--as-of", AS_OF];
    args.extend_from_slice(extra);
    let output = partnerdocs(dir, &args);
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    output
}

/// `board.csv` as rows of (`meeting_date`, `partnership_id`, `section`, `packet_page`).
fn board_csv(outputs: &Path) -> Vec<[String; 4]> {
    let mut reader = csv::Reader::from_path(outputs.join("board.csv")).unwrap();
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(headers, ["meeting_date", "partnership_id", "section", "packet_page"]);
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            std::array::from_fn(|i| record.get(i).unwrap().to_string())
        })
        .collect()
}

/// The attachment's text, paragraph by paragraph, table cells joined with ` | `.
fn attachment_text(outputs: &Path, meeting: &str) -> Vec<String> {
    let path = outputs.join(format!("board/{meeting}/board-attachment.docx"));
    let docx = std::fs::read(path).unwrap();
    part_blocks(&docx, "word/document.xml")
        .into_iter()
        .flat_map(|block| match block {
            Block::Paragraph(text) => vec![text],
            Block::Table(rows) => rows.into_iter().map(|cells| cells.join(" | ")).collect(),
        })
        .collect()
}

/// The lines between the paragraph starting `from` and the one starting `to`.
fn between<'a>(lines: &'a [String], from: &str, to: &str) -> &'a [String] {
    let start = lines.iter().position(|l| l.starts_with(from)).unwrap();
    let end = lines.iter().position(|l| l.starts_with(to)).unwrap();
    &lines[start..end]
}

fn mentions(lines: &[String], text: &str) -> bool {
    lines.iter().any(|line| line.contains(text))
}

fn page_count(pdf: &[u8]) -> usize {
    Document::load_mem(pdf).unwrap().get_pages().len()
}

/// The text of one page (from 1) of a PDF file, as `pdftotext` extracts it.
fn page_text(pdf: &Path, page: usize) -> String {
    let page = page.to_string();
    let output = Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-layout", "-f", &page, "-l", &page])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn meetings_sections_and_counts_follow_the_rows() {
    let dir = board_workspace(&ROWS, "meetings = []");
    let output = run(dir.path(), &["--no-pdf"]);
    let outputs = dir.path().join("outputs");

    let mut folders: Vec<String> = std::fs::read_dir(outputs.join("board"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    assert_eq!(folders, [JANUARY, FEBRUARY]);

    let rows = board_csv(&outputs);
    let listed: Vec<[&str; 3]> =
        rows.iter().map(|r| [r[0].as_str(), r[1].as_str(), r[2].as_str()]).collect();
    assert_eq!(
        listed,
        [
            [JANUARY, "H-1", "approval"],
            [JANUARY, "M-2", "approval"],
            [JANUARY, "M-1", "information"],
            [FEBRUARY, "H-2", "approval"],
            [FEBRUARY, "M-3", "information"],
            ["", "U-1", "information"],
        ]
    );
    assert!(rows.iter().all(|r| r[3].is_empty()), "no packets with --no-pdf: {rows:?}");

    let text = stdout(&output);
    assert!(text.contains("1 unscheduled"), "{text}");
    assert!(
        text.contains(&format!(
            "Board meeting {JANUARY}: 2 for approval, 1 for information"
        )),
        "{text}"
    );

    let january = attachment_text(&outputs, JANUARY);
    assert!(mentions(&january, "January 14, 2027"), "{january:#?}");
    assert!(
        mentions(&january, "Action items: 2 partnerships for approval"),
        "{january:#?}"
    );
    assert!(
        mentions(&january, "Information items: 1 partnership reported"),
        "{january:#?}"
    );
    let action = between(&january, "1. Action Items", "2. Information Items");
    let information = between(&january, "2. Information Items", "Student privacy");
    for id in ["H-1", "M-2"] {
        assert!(mentions(action, &format!("Partner {id}")), "{id} in {action:#?}");
        assert!(!mentions(information, &format!("Partner {id}")), "{id}");
    }
    assert!(mentions(information, "Partner M-1"), "{information:#?}");
    assert!(!mentions(&january, "Partner H-2") && !mentions(&january, "Partner U-1"));

    let february = attachment_text(&outputs, FEBRUARY);
    assert!(
        mentions(&february, "Action items: 1 partnership for approval"),
        "{february:#?}"
    );

    // Low partnerships never go to the Board, even with a meeting date.
    for lines in [&january, &february] {
        assert!(!mentions(lines, "Partner L-"), "{lines:#?}");
    }
    assert!(rows.iter().all(|r| !r[1].starts_with("L-")));
}

#[test]
fn an_override_to_high_is_an_action_item_with_its_reason() {
    let dir = board_workspace(&ROWS, "meetings = []");
    run(dir.path(), &["--no-pdf"]);
    let january = attachment_text(&dir.path().join("outputs"), JANUARY);
    let action = between(&january, "1. Action Items", "2. Information Items");

    let item = action.iter().position(|l| l.contains("Partner M-2: Program M-2")).unwrap();
    let reason =
        action[item..].iter().find(|l| l.starts_with("Intensity and reason")).unwrap();
    assert!(reason.contains("High."), "{reason}");
    assert!(reason.contains("the rubric gave Medium"), "{reason}");
    assert!(reason.contains(OVERRIDE_REASON), "{reason}");
}

#[test]
fn the_calendar_takes_rows_without_a_date_and_nothing_is_unscheduled() {
    let rows = [row("H-9", Rating::High, None), row("M-9", Rating::Medium, None)];
    // 2026-12-03 + 14 days is after 2026-12-10: the January meeting is the first in time.
    let dir = board_workspace(
        &rows,
        &format!("meetings = [2026-12-10, {JANUARY}, \"{FEBRUARY}\"]\nlead_days = 14"),
    );
    let output = run(dir.path(), &["--no-pdf"]);
    let listed = board_csv(&dir.path().join("outputs"));
    let dates: Vec<&str> = listed.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(dates, [JANUARY, JANUARY]);
    assert!(!stdout(&output).contains("unscheduled"), "{}", stdout(&output));
}

#[test]
fn a_moved_meeting_leaves_no_old_folder() {
    let dir = board_workspace(&ROWS[..1], "meetings = []");
    run(dir.path(), &["--no-pdf"]);
    let outputs = dir.path().join("outputs");
    assert!(outputs.join("board").join(JANUARY).is_dir());

    let moved = [row("H-1", Rating::High, Some(FEBRUARY))];
    write_workbook(&dir.path().join("inputs/requests.xlsx"), &moved);
    run(dir.path(), &["--no-pdf"]);
    assert!(!outputs.join("board").join(JANUARY).exists());
    assert!(outputs.join("board").join(FEBRUARY).join("board-attachment.docx").is_file());
    assert_eq!(board_csv(&outputs)[0][0], FEBRUARY);
}

/// The packet of the January meeting, with what the test checks it against.
#[test]
fn the_packet_is_the_attachment_then_each_action_items_documents() {
    if !have("pdftotext") {
        eprintln!("skipped: pdftotext is not installed (poppler-utils)");
        return;
    }
    let dir = board_workspace(&ROWS, "meetings = []");
    run(dir.path(), &[]);
    let outputs = dir.path().join("outputs");
    let folder = outputs.join("board").join(JANUARY);
    let packet_path = folder.join("packet.pdf");
    let packet = std::fs::read(&packet_path).unwrap();
    let rows = board_csv(&outputs);

    // The page count is the sum of the parts plus the contents page.
    let agreements = agreement_pdfs(&outputs, &["H-1", "M-2"]);
    let attachment = std::fs::read(folder.join("board-attachment.pdf")).unwrap();
    let parts: usize = page_count(&attachment)
        + agreements.iter().map(|p| page_count(&std::fs::read(p).unwrap())).sum::<usize>();
    assert_eq!(page_count(&packet), parts + 1);

    // One outline entry per document: the contents page, the attachment, and each item
    // with a child for its MOA and its matrix.
    let document = Document::load_mem(&packet).unwrap();
    let entries = outline_titles(&document);
    assert_eq!(entries.len(), 2 + 2 + 2 * 2, "{entries:?}");
    assert_eq!(entries[1], "Agenda attachment");
    assert!(entries[2].contains("H-1") && entries[5].contains("M-2"), "{entries:?}");
    for child in [3, 6] {
        assert_eq!(entries[child], "Memorandum of Agreement");
        assert_eq!(entries[child + 1], "Decision-Making Matrix");
    }

    // The page board.csv gives for each action item starts its MOA; the page after that
    // MOA starts its matrix; the contents page (page 1) lists each of them.
    let contents = page_text(&packet_path, 1);
    for (id, moa) in [("H-1", &agreements[0]), ("M-2", &agreements[2])] {
        let page: usize = rows.iter().find(|r| r[1] == id).unwrap()[3].parse().unwrap();
        let text = page_text(&packet_path, page);
        assert!(text.contains("Memorandum of Agreement"), "page {page}: {text}");
        assert!(text.contains(&format!("Partnership {id}")), "page {page}: {text}");
        let matrix_page = page + page_count(&std::fs::read(moa).unwrap());
        let text = page_text(&packet_path, matrix_page);
        assert!(text.contains("Decision-Making Matrix"), "page {matrix_page}: {text}");
        assert!(text.contains(id), "page {matrix_page}: {text}");
        let lines: Vec<&str> = contents.lines().collect();
        let heading = lines
            .iter()
            .position(|line| line.contains(&format!(" {id} Partner {id}")))
            .unwrap_or_else(|| panic!("{id} not on the contents page: {contents}"));
        let moa_line = lines[heading + 1];
        assert!(moa_line.contains("Memorandum of Agreement"), "{contents}");
        for line in [lines[heading], moa_line] {
            assert!(line.trim_end().ends_with(&format!(" {page}")), "{line}");
        }
    }
    // Information items are not in the packet.
    let information = rows.iter().find(|r| r[1] == "M-1").unwrap();
    assert!(information[3].is_empty());

    // Every signature field of the merged documents is there, under a name of its own.
    let fields = signature_field_names(&document);
    assert_eq!(fields.len(), 2 * 2 * 2, "{fields:?}");
    assert_eq!(fields.iter().collect::<HashSet<_>>().len(), fields.len(), "{fields:?}");
}

/// The MOA and matrix PDF of each partnership, in that order, from `summary.csv`.
fn agreement_pdfs(outputs: &Path, ids: &[&str]) -> Vec<std::path::PathBuf> {
    let summary = support::workspace::summary(outputs);
    let by_id: HashMap<&str, &HashMap<String, String>> =
        summary.iter().map(|row| (row["partnership_id"].as_str(), row)).collect();
    ids.iter()
        .flat_map(|id| {
            let row = by_id[id];
            [outputs.join(&row["moa_pdf"]), outputs.join(&row["matrix_pdf"])]
        })
        .collect()
}

/// Every outline entry's title, depth first.
fn outline_titles(document: &Document) -> Vec<String> {
    fn walk(document: &Document, first: Option<lopdf::ObjectId>, out: &mut Vec<String>) {
        let mut next = first;
        while let Some(id) = next {
            let entry = document.get_dictionary(id).unwrap();
            let title = entry.get(b"Title").unwrap().as_str().unwrap();
            out.push(String::from_utf8_lossy(title).into_owned());
            walk(document, entry.get(b"First").and_then(Object::as_reference).ok(), out);
            next = entry.get(b"Next").and_then(Object::as_reference).ok();
        }
    }
    let root =
        document.catalog().unwrap().get(b"Outlines").unwrap().as_reference().unwrap();
    let first = document.get_dictionary(root).unwrap().get(b"First").unwrap();
    let mut out = Vec::new();
    walk(document, first.as_reference().ok(), &mut out);
    out
}

/// The names of the packet's signature fields.
fn signature_field_names(document: &Document) -> Vec<String> {
    let catalog = document.catalog().unwrap();
    let form = match catalog.get(b"AcroForm").unwrap() {
        Object::Reference(id) => document.get_dictionary(*id).unwrap(),
        Object::Dictionary(form) => form,
        other => panic!("AcroForm is {other:?}"),
    };
    form.get(b"Fields")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|field| document.get_dictionary(field.as_reference().unwrap()).unwrap())
        .filter(|field| field.get(b"FT").unwrap().as_name().unwrap() == b"Sig")
        .map(|field| {
            String::from_utf8_lossy(field.get(b"T").unwrap().as_str().unwrap()).into_owned()
        })
        .collect()
}

/// The attachment is typeset in a child process while the agreements are made; its PDF
/// is the one the library makes from the same Word file in this process.
#[test]
fn the_attachment_made_beside_the_agreements_is_the_one_made_alone() {
    let dir = board_workspace(&ROWS, "meetings = []");
    let output = run(dir.path(), &["-v"]);
    let log = stderr(&output);
    assert!(log.contains("the attachment was typeset beside the agreements"), "{log}");
    let folder = dir.path().join("outputs/board").join(JANUARY);
    let docx = std::fs::read(folder.join("board-attachment.docx")).unwrap();
    let written = std::fs::read(folder.join("board-attachment.pdf")).unwrap();

    let mut config = partnerdocs::config::Config::defaults().unwrap().pdf;
    config.engine = partnerdocs::config::PdfEngineKind::Native;
    let maker = partnerdocs::pdf::PdfMaker::new(&config).unwrap();
    let info = partnerdocs::pdf::DocumentInfo {
        title: "Board agenda attachment: community partnerships, January 14, 2027".into(),
        subject: format!("Board of Education meeting {JANUARY}"),
        author: partnerdocs::config::Config::defaults().unwrap().district.name,
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
        ident: format!("board/{JANUARY}/board-attachment.pdf"),
    };
    let alone = maker.render(&docx, &info).unwrap();
    assert!(written == alone.pdf, "the attachment PDFs differ");
}
