//! Reads the text of a Word document back, the way a person reads it: paragraph by
//! paragraph, tables row by row.

use std::io::Read;

use quick_xml::events::Event;
use quick_xml::Reader;

/// A paragraph's text, or a table's rows of cell texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(String),
    Table(Vec<Vec<String>>),
}

/// The blocks of one part (`word/document.xml`, `word/header1.xml`, ...) of a `.docx`.
pub fn part_blocks(docx: &[u8], part: &str) -> Vec<Block> {
    blocks(&part_xml(docx, part))
}

/// The XML of one part of a `.docx`.
pub fn part_xml(docx: &[u8], part: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut xml = String::new();
    archive.by_name(part).unwrap().read_to_string(&mut xml).unwrap();
    xml
}

/// Every XML part of a `.docx` parses.
pub fn assert_parts_parse(docx: &[u8]) {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let name = entry.name().unwrap().to_string();
        if !(name.ends_with(".xml") || name.ends_with(".rels")) {
            continue;
        }
        let mut xml = String::new();
        entry.read_to_string(&mut xml).unwrap();
        let mut reader = Reader::from_str(&xml);
        reader.config_mut().check_end_names = true;
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(err) => panic!("{name} does not parse: {err}"),
            }
        }
    }
}

/// Paragraphs and tables, in order; text boxes and nested tables are flattened into text.
pub fn blocks(xml: &str) -> Vec<Block> {
    let mut reader = Reader::from_str(xml);
    let mut blocks = Vec::new();
    let mut table_depth = 0;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut paragraph: Option<String> = None;
    let mut cell: Option<Vec<String>> = None;
    let mut in_text = false;
    loop {
        let event = reader.read_event().unwrap();
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.name().as_ref() {
                    "w:tbl" if !empty => {
                        table_depth += 1;
                        if table_depth == 1 {
                            rows.clear();
                        }
                    }
                    "w:tr" if table_depth == 1 && !empty => rows.push(Vec::new()),
                    "w:tc" if table_depth == 1 && !empty => cell = Some(Vec::new()),
                    "w:p" => {
                        if paragraph.is_none() {
                            paragraph = Some(String::new());
                        }
                        if empty {
                            finish_paragraph(
                                &mut paragraph,
                                &mut cell,
                                table_depth,
                                &mut blocks,
                            );
                        }
                    }
                    "w:t" if !empty => in_text = true,
                    "w:br" | "w:cr" => push(&mut paragraph, "\n"),
                    "w:tab" => push(&mut paragraph, "\t"),
                    _ => {}
                }
            }
            Event::End(e) => match e.name().as_ref() {
                "w:t" => in_text = false,
                "w:p" => {
                    finish_paragraph(&mut paragraph, &mut cell, table_depth, &mut blocks)
                }
                "w:tc" if table_depth == 1 => {
                    if let (Some(texts), Some(row)) = (cell.take(), rows.last_mut()) {
                        row.push(texts.join("\n"));
                    }
                }
                "w:tbl" => {
                    table_depth -= 1;
                    if table_depth == 0 {
                        blocks.push(Block::Table(std::mem::take(&mut rows)));
                    }
                }
                _ => {}
            },
            Event::Text(text) if in_text => {
                push(&mut paragraph, &text.xml_content(Default::default()))
            }
            Event::GeneralRef(reference) if in_text => {
                let name = reference.xml_content(Default::default());
                let resolved = match &*name {
                    "amp" => "&".to_string(),
                    "lt" => "<".to_string(),
                    "gt" => ">".to_string(),
                    "quot" => "\"".to_string(),
                    "apos" => "'".to_string(),
                    other => quick_xml::escape::unescape(&format!("&{other};"))
                        .unwrap()
                        .into_owned(),
                };
                push(&mut paragraph, &resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    blocks
}

fn push(paragraph: &mut Option<String>, text: &str) {
    if let Some(paragraph) = paragraph {
        paragraph.push_str(text);
    }
}

fn finish_paragraph(
    paragraph: &mut Option<String>,
    cell: &mut Option<Vec<String>>,
    table_depth: usize,
    blocks: &mut Vec<Block>,
) {
    let Some(text) = paragraph.take() else {
        return;
    };
    match (table_depth, cell) {
        (0, _) => blocks.push(Block::Paragraph(text)),
        (_, Some(cell)) => cell.push(text),
        _ => {}
    }
}
