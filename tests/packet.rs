//! The Board packet: page count, outline, contents page, footers, merged signature
//! fields and reproducible bytes, checked with lopdf and poppler's tools.
#![allow(clippy::unwrap_used)] // a failed step should stop the test where it happened

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::sync::OnceLock;

use chrono::NaiveDate;
use lopdf::{decode_text_string, Dictionary, Document, Object, ObjectId};
use partnerdocs::board::packet::{
    build_packet, Packet, PacketDocument, PacketError, PacketItem, PacketOptions,
};
use partnerdocs::pdf::{render_pdf, string_literal, PdfOptions, SIGNATURE_LABEL};

const FOOTER: &str = "Board of Education, January 14, 2027";

/// Poppler 22 (Debian 12) misreads a valid `/Suspects` entry; later versions stay quiet.
const POPPLER_SUSPECTS: &str = "Suspects object is wrong type";

/// A document of one page per heading, each page starting with its heading, with a
/// signature line per name on its last page, rendered the way the run renders.
fn document(label: &str, headings: &[&str], signatures: &[&str]) -> PacketDocument {
    let mut markup = String::from("#set page(paper: \"us-letter\")\n");
    for (index, heading) in headings.iter().enumerate() {
        if index > 0 {
            markup.push_str("#pagebreak()\n");
        }
        markup.push_str(&format!(
            "= {heading}\n\nThe partner agrees to the terms below.\n\n"
        ));
    }
    for name in signatures {
        let edge = |edge: &str| {
            let edge = string_literal(edge);
            format!("#box(width: 0pt, height: 0pt)[#metadata({edge}) <{SIGNATURE_LABEL}>]")
        };
        markup.push_str(&format!(
            "\n\nSigned for {name}: {}#box(width: 6cm, stroke: (bottom: 0.5pt))[]{}\n",
            edge(&format!("start:{name}")),
            edge("end"),
        ));
    }
    let rendered = render_pdf(&markup, &PdfOptions::new(as_of())).unwrap();
    assert_eq!(rendered.pages, headings.len(), "{label}");
    assert_eq!(rendered.signatures.len(), signatures.len(), "{label}");
    PacketDocument { label: label.into(), pdf: rendered.pdf }
}

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
}

fn options() -> PacketOptions {
    PacketOptions {
        title: "Board of Education, January 14, 2027: partnership agreements".into(),
        author: "Riverside Unified School District".into(),
        as_of: as_of(),
        footer: FOOTER.into(),
    }
}

/// The packet's inputs: an attachment and three items, the last with an accented name.
struct Inputs {
    attachment: PacketDocument,
    items: Vec<PacketItem>,
}

fn inputs() -> &'static Inputs {
    static INPUTS: OnceLock<Inputs> = OnceLock::new();
    INPUTS.get_or_init(|| {
        let attachment =
            document("Agenda attachment", &["Attachment page 1", "Attachment page 2"], &[]);
        let item = |number: usize, heading: &str, moa_pages: usize| {
            let moa: Vec<String> = (1..=moa_pages)
                .map(|page| format!("Item {number} MOA page {page}"))
                .collect();
            let moa: Vec<&str> = moa.iter().map(String::as_str).collect();
            let matrix = format!("Item {number} matrix page 1");
            PacketItem {
                heading: heading.into(),
                documents: vec![
                    document("Memorandum of Agreement", &moa, &["district", "partner"]),
                    document("Decision-Making Matrix", &[&matrix], &["district"]),
                ],
            }
        };
        let items = vec![
            item(1, "RUSD-2026-005 Riverside Museum: Saturday Science", 2),
            item(2, "RUSD-2026-006 Eastside Food Bank: Family Nights", 3),
            item(3, "RUSD-2026-007 Café Científico: Noche de Ciencia", 1),
        ];
        Inputs { attachment, items }
    })
}

fn packet() -> &'static Packet {
    static PACKET: OnceLock<Packet> = OnceLock::new();
    PACKET.get_or_init(|| {
        let inputs = inputs();
        build_packet(&inputs.attachment, &inputs.items, &options()).unwrap()
    })
}

/// Every input document in packet order, with the first words of its first page.
fn expected_starts() -> Vec<(String, String)> {
    let inputs = inputs();
    let mut starts =
        vec![("Agenda attachment".to_string(), "Attachment page 1".to_string())];
    for (index, item) in inputs.items.iter().enumerate() {
        let number = index + 1;
        starts.push((
            format!("{} — Memorandum of Agreement", item.heading),
            format!("Item {number} MOA page 1"),
        ));
        starts.push((
            format!("{} — Decision-Making Matrix", item.heading),
            format!("Item {number} matrix page 1"),
        ));
    }
    starts
}

fn page_count(pdf: &[u8]) -> usize {
    Document::load_mem(pdf).unwrap().get_pages().len()
}

/// Whether a poppler tool can be started; says so on stderr when it cannot.
fn have(program: &str) -> bool {
    let found = Command::new(program).arg("-v").output().is_ok();
    if !found {
        eprintln!("skipped: {program} is not installed (poppler-utils)");
    }
    found
}

/// The text of one page (from 1), as `pdftotext` extracts it.
fn page_text(pdf: &[u8], page: usize) -> String {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), pdf).unwrap();
    let page = page.to_string();
    let output = Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-f", &page, "-l", &page])
        .arg(file.path())
        .arg("-")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// The non-empty lines of a text, trimmed.
fn lines(text: &str) -> Vec<&str> {
    text.lines().map(str::trim).filter(|line| !line.is_empty()).collect()
}

#[test]
fn page_count_is_the_sum_of_the_parts_plus_the_contents_page() {
    let inputs = inputs();
    let packet = packet();
    let parts: usize = std::iter::once(&inputs.attachment)
        .chain(inputs.items.iter().flat_map(|item| &item.documents))
        .map(|document| page_count(&document.pdf))
        .sum();

    assert_eq!(parts, 2 + (2 + 1) + (3 + 1) + (1 + 1));
    assert_eq!(packet.pages, parts + 1);
    assert_eq!(page_count(&packet.pdf), packet.pages);
}

#[test]
fn starts_follow_the_parts_in_agenda_order() {
    let starts = &packet().starts;
    let names: Vec<&str> = starts.iter().map(|(name, _)| name.as_str()).collect();
    let expected = expected_starts();
    let expected: Vec<&str> = expected.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, expected);

    let pages: Vec<usize> = starts.iter().map(|&(_, page)| page).collect();
    assert_eq!(pages, [2, 4, 6, 7, 10, 11, 12]);
}

/// One outline entry: its title, page (from 1) and children.
#[derive(Debug)]
struct Entry {
    title: String,
    raw_title: Vec<u8>,
    page: usize,
    children: Vec<Entry>,
}

/// The outline entries under `first` and its siblings.
fn outline_level(
    document: &Document,
    first: Option<ObjectId>,
    pages: &HashMap<ObjectId, usize>,
) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut next = first;
    while let Some(id) = next {
        let entry = document.get_dictionary(id).unwrap();
        let title = entry.get(b"Title").unwrap();
        let destination = entry.get(b"Dest").unwrap().as_array().unwrap();
        let child = entry.get(b"First").and_then(Object::as_reference).ok();
        entries.push(Entry {
            title: decode_text_string(title).unwrap(),
            raw_title: title.as_str().unwrap().to_vec(),
            page: pages[&destination[0].as_reference().unwrap()],
            children: outline_level(document, child, pages),
        });
        next = entry.get(b"Next").and_then(Object::as_reference).ok();
    }
    entries
}

fn outline(pdf: &[u8]) -> Vec<Entry> {
    let document = Document::load_mem(pdf).unwrap();
    let pages = document.get_pages().into_iter().map(|(n, id)| (id, n as usize)).collect();
    let root =
        document.catalog().unwrap().get(b"Outlines").unwrap().as_reference().unwrap();
    let first =
        document.get_dictionary(root).unwrap().get(b"First").unwrap().as_reference();
    outline_level(&document, first.ok(), &pages)
}

#[test]
fn outline_has_an_entry_per_item_and_document() {
    let inputs = inputs();
    let packet = packet();
    let outline = outline(&packet.pdf);

    let top: Vec<(&str, usize)> =
        outline.iter().map(|e| (e.title.as_str(), e.page)).collect();
    let mut expected = vec![("Contents", 1), ("Agenda attachment", 2)];
    expected.extend(inputs.items.iter().map(|item| item.heading.as_str()).zip([4, 7, 11]));
    assert_eq!(top, expected);

    let documents: Vec<usize> = outline
        .iter()
        .flat_map(|entry| {
            assert!(entry.children.iter().all(|child| child.children.is_empty()));
            entry.children.iter().map(|child| child.page)
        })
        .collect();
    let starts: Vec<usize> = packet.starts[1..].iter().map(|&(_, page)| page).collect();
    assert_eq!(documents, starts);
    for item in &outline[2..] {
        let labels: Vec<&str> = item.children.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(labels, ["Memorandum of Agreement", "Decision-Making Matrix"]);
    }
}

#[test]
fn outline_titles_beyond_ascii_are_utf16_with_a_byte_order_mark() {
    let outline = outline(&packet().pdf);
    let accented = outline.iter().find(|e| e.title.contains("Café Científico")).unwrap();
    assert!(accented.raw_title.starts_with(&[0xfe, 0xff]), "{:?}", accented.raw_title);
    let plain = outline.iter().find(|e| e.title == "Agenda attachment").unwrap();
    assert_eq!(plain.raw_title, b"Agenda attachment");
}

#[test]
fn each_document_starts_on_the_page_the_contents_page_gives() {
    if !have("pdftotext") {
        return;
    }
    let packet = packet();
    for ((name, page), (_, first_words)) in packet.starts.iter().zip(expected_starts()) {
        let text = page_text(&packet.pdf, *page);
        assert!(text.trim_start().starts_with(&first_words), "{name}, page {page}: {text}");
    }
}

#[test]
fn contents_page_lists_every_item_and_document_with_its_page() {
    if !have("pdftotext") {
        return;
    }
    let inputs = inputs();
    let packet = packet();
    let text = page_text(&packet.pdf, 1);
    let lines = lines(&text);
    let heading = format!("{} Contents", options().title);
    assert!(lines.join(" ").starts_with(&heading), "{text}");

    // The title, then each line in packet order: a label, dot leaders and a page number.
    let mut expected = vec![("Agenda attachment".to_string(), packet.starts[0].1)];
    for (item, documents) in inputs.items.iter().zip(packet.starts[1..].chunks(2)) {
        expected.push((item.heading.clone(), documents[0].1));
        expected.push(("Memorandum of Agreement".into(), documents[0].1));
        expected.push(("Decision-Making Matrix".into(), documents[1].1));
    }
    let mut rest = lines.iter().skip_while(|line| **line != "Contents");
    for (label, page) in expected {
        let line = rest.find(|line| line.starts_with(&label)).unwrap_or_else(|| {
            panic!("{label} is not listed after the lines before: {text}")
        });
        let number = line.rsplit(' ').next().unwrap();
        assert_eq!(number, page.to_string(), "{line}");
        assert!(line.contains(". ."), "no dot leaders: {line}");
    }
}

#[test]
fn every_page_ends_with_the_footer_and_its_number() {
    if !have("pdftotext") {
        return;
    }
    let packet = packet();
    for page in 1..=packet.pages {
        let text = page_text(&packet.pdf, page);
        let last = lines(&text).last().copied().unwrap_or_default().to_string();
        assert_eq!(last, format!("{FOOTER} — page {page} of {}", packet.pages));
    }
}

/// The packet's form fields: name, type, page (from 1) and whether that page lists it.
fn form_fields(pdf: &[u8]) -> (Dictionary, Vec<(String, String, usize, bool)>) {
    let document = Document::load_mem(pdf).unwrap();
    let pages: HashMap<ObjectId, usize> =
        document.get_pages().into_iter().map(|(n, id)| (id, n as usize)).collect();
    let form = document.catalog().unwrap().get_deref(b"AcroForm", &document).unwrap();
    let form = form.as_dict().unwrap().clone();
    let mut fields = Vec::new();
    for field in form.get(b"Fields").unwrap().as_array().unwrap() {
        let id = field.as_reference().unwrap();
        let field = document.get_dictionary(id).unwrap();
        let page = field.get(b"P").unwrap().as_reference().unwrap();
        let annotations =
            document.get_dictionary(page).unwrap().get_deref(b"Annots", &document);
        let listed =
            annotations.unwrap().as_array().unwrap().contains(&Object::Reference(id));
        fields.push((
            decode_text_string(field.get(b"T").unwrap()).unwrap(),
            String::from_utf8(field.get(b"FT").unwrap().as_name().unwrap().to_vec())
                .unwrap(),
            *pages.get(&page).unwrap_or(&0),
            listed,
        ));
    }
    (form, fields)
}

#[test]
fn signature_fields_are_kept_with_unique_names_on_their_pages() {
    let packet = packet();
    let (form, fields) = form_fields(&packet.pdf);

    let names: Vec<&str> = fields.iter().map(|(name, ..)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "item1-memorandum-of-agreement-district",
            "item1-memorandum-of-agreement-partner",
            "item1-decision-making-matrix-district",
            "item2-memorandum-of-agreement-district",
            "item2-memorandum-of-agreement-partner",
            "item2-decision-making-matrix-district",
            "item3-memorandum-of-agreement-district",
            "item3-memorandum-of-agreement-partner",
            "item3-decision-making-matrix-district",
        ]
    );
    assert_eq!(names.iter().collect::<HashSet<_>>().len(), names.len());
    assert!(names.iter().all(|name| !name.contains('.')));

    // Each signature line sits on the last page of its document.
    let pages: Vec<usize> = fields.iter().map(|&(_, _, page, _)| page).collect();
    assert_eq!(pages, [5, 5, 6, 9, 9, 10, 11, 11, 12]);
    assert!(fields.iter().all(|(_, kind, _, listed)| kind == "Sig" && *listed));
    assert_eq!(form.get(b"SigFlags").unwrap().as_i64().unwrap() & 1, 1);
}

#[test]
fn input_structure_trees_are_left_out() {
    let document = Document::load_mem(&packet().pdf).unwrap();
    let catalog = document.catalog().unwrap();
    assert!(!catalog.has(b"StructTreeRoot") && !catalog.has(b"MarkInfo"));
    let kinds: HashSet<&[u8]> =
        document.objects.values().filter_map(|o| o.type_name().ok()).collect();
    assert!(!kinds.contains(&b"StructElem"[..]), "structure elements were copied");
    assert!(!kinds.contains(&b"StructTreeRoot"[..]));
}

#[test]
fn document_properties_come_from_the_options() {
    let document = Document::load_mem(&packet().pdf).unwrap();
    let info = document.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let info = document.get_dictionary(info).unwrap();
    let text = |key: &[u8]| decode_text_string(info.get(key).unwrap()).unwrap();
    assert_eq!(text(b"Title"), options().title);
    assert_eq!(text(b"Author"), options().author);
    assert_eq!(text(b"Creator"), format!("partnerdocs {}", env!("CARGO_PKG_VERSION")));
    assert_eq!(text(b"CreationDate"), "D:20261203000000Z");
}

#[test]
fn pdfinfo_reads_the_packet_without_complaint() {
    if !have("pdfinfo") {
        return;
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &packet().pdf).unwrap();
    let output = Command::new("pdfinfo").arg(file.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert!(output.status.success(), "{stderr}");
    let complaints: Vec<&str> =
        stderr.lines().filter(|line| !line.contains(POPPLER_SUSPECTS)).collect();
    assert!(complaints.is_empty(), "{complaints:?}");
    let field = |name: &str| {
        let line = stdout.lines().find(|line| line.starts_with(name)).unwrap_or_default();
        line.split_whitespace().skip(1).collect::<Vec<_>>().join(" ")
    };
    assert_eq!(field("Pages:"), packet().pages.to_string(), "{stdout}");
    assert_eq!(field("Form:"), "AcroForm", "{stdout}");
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let inputs = inputs();
    let again = build_packet(&inputs.attachment, &inputs.items, &options()).unwrap();
    assert!(again.pdf == packet().pdf, "the packet's bytes differ between two builds");
    assert_eq!(again.starts, packet().starts);
}

#[test]
fn a_document_that_is_not_a_pdf_is_named_in_the_error() {
    let inputs = inputs();
    let mut items = inputs.items.clone();
    items[1].documents[1].pdf = b"not a PDF".to_vec();
    let err = build_packet(&inputs.attachment, &items, &options()).unwrap_err();
    assert!(matches!(err, PacketError::Read { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.starts_with("failed to read \"Decision-Making Matrix\""), "{message}");
    assert!(message.contains("Eastside Food Bank"), "{message}");
}

#[test]
fn an_item_without_documents_is_refused() {
    let inputs = inputs();
    let mut items = inputs.items.clone();
    items[0].documents.clear();
    let err = build_packet(&inputs.attachment, &items, &options()).unwrap_err();
    assert!(matches!(err, PacketError::EmptyItem { .. }), "{err:?}");
    assert!(err.to_string().contains("Riverside Museum"), "{err}");
}

#[test]
fn a_packet_without_items_holds_the_attachment() {
    let inputs = inputs();
    let packet = build_packet(&inputs.attachment, &[], &options()).unwrap();
    assert_eq!(packet.pages, 3);
    assert_eq!(packet.starts, [("Agenda attachment".to_string(), 2)]);
}

#[test]
fn a_contents_list_longer_than_a_page_moves_every_start() {
    let inputs = inputs();
    let items: Vec<PacketItem> = (0..45)
        .map(|index| PacketItem {
            heading: format!("RUSD-2026-{:03} Partner {index}", index + 100),
            documents: inputs.items[2].documents.clone(),
        })
        .collect();
    let packet = build_packet(&inputs.attachment, &items, &options()).unwrap();

    let contents = packet.starts[0].1 - 1;
    assert!(contents > 1, "the contents took {contents} page");
    assert_eq!(packet.pages, contents + 2 + 45 * 2);
    assert_eq!(page_count(&packet.pdf), packet.pages);
    if !have("pdftotext") {
        return;
    }
    let last = packet.starts.last().unwrap().1;
    assert!(page_text(&packet.pdf, last).trim_start().starts_with("Item 3 matrix page 1"));
    let listing: String = (1..=contents).map(|page| page_text(&packet.pdf, page)).collect();
    assert!(listing.contains("RUSD-2026-144 Partner 44"), "{listing}");
    assert!(lines(&listing).iter().any(|line| line.ends_with(&format!(" {last}"))));
}

#[test]
fn a_signed_field_is_offered_empty_again() {
    // A signature covers its own file's bytes, so the packet cannot keep it valid.
    let inputs = inputs();
    let mut document = Document::load_mem(&inputs.items[0].documents[1].pdf).unwrap();
    let form = document.catalog().unwrap().get_deref(b"AcroForm", &document).unwrap();
    let fields = form.as_dict().unwrap().get(b"Fields").unwrap().as_array().unwrap();
    let field = fields[0].as_reference().unwrap();
    let value = document.add_object(Dictionary::new());
    document.get_dictionary_mut(field).unwrap().set("V", value);
    let mut signed = Vec::new();
    document.save_to(&mut signed).unwrap();

    let mut items = inputs.items[..1].to_vec();
    items[0].documents[1].pdf = signed;
    let packet = build_packet(&inputs.attachment, &items, &options()).unwrap();
    let packet = Document::load_mem(&packet.pdf).unwrap();
    let form = packet.catalog().unwrap().get_deref(b"AcroForm", &packet).unwrap();
    let fields = form.as_dict().unwrap().get(b"Fields").unwrap().as_array().unwrap();
    assert_eq!(fields.len(), 3);
    for field in fields {
        let field = packet.get_dictionary(field.as_reference().unwrap()).unwrap();
        assert!(!field.has(b"V"), "{field:?}");
    }
}
