//! Builds the shipped Word templates, `templates/moa.docx` and `templates/decision-matrix.docx`.
//!
//! The district's standard wording lives in `build_templates/wording.rs`. To change it,
//! edit the text there and run `cargo run --example build_templates`. The same source
//! always gives the same bytes, so a template changes in review only when its wording or
//! layout did. Each template tag is written as a run of its own so the filler finds it
//! whole; every tag is checked against the known fields before anything is written.

#[path = "build_templates/package.rs"]
mod package;
#[path = "build_templates/wording.rs"]
mod wording;

use std::error::Error;
use std::io::Cursor;
use std::path::Path;

use docx_rs::{
    AbstractNumbering, AlignmentType, BorderType, Docx, Footer, Header, IndentLevel, Level,
    LevelJc, LevelText, LineSpacing, LineSpacingType, NumPages, NumberFormat, Numbering,
    NumberingId, PageMargin, PageNum, Paragraph, ParagraphBorder, ParagraphBorderPosition,
    ParagraphBorders, Run, RunFonts, Shading, ShdType, SpecialIndentType, Start, Style,
    StyleType, Tab, TabValueType, Table, TableBorder, TableBorderPosition, TableBorders,
    TableCell, TableCellMargins, TableLayoutType, TableRow, WidthType,
};

use wording::{Block, Grid, Look, Template, TEMPLATES};

/// US Letter, in twentieths of a point.
const PAGE_WIDTH: u32 = 12_240;
const PAGE_HEIGHT: u32 = 15_840;
/// One inch.
const MARGIN: i32 = 1_440;
/// The width between the margins.
const TEXT_WIDTH: usize = 9_360;

const BODY_FONT: &str = "Calibri";
/// Body text size in half-points (11 pt).
const BODY_SIZE: usize = 22;
const ACCENT: &str = "1F3864";
const MUTED: &str = "595959";
const RULE: &str = "8C8C8C";
const SHADE: &str = "E7ECF4";

/// The list that bullets use; numbering id 1 is the library's own default list.
const BULLETS: usize = 2;

fn main() -> Result<(), Box<dyn Error>> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    std::fs::create_dir_all(&folder)?;
    for template in TEMPLATES {
        write_template(template, &folder)?;
    }
    Ok(())
}

fn write_template(template: &Template, folder: &Path) -> Result<(), Box<dyn Error>> {
    wording::check_template(template)?;
    let mut packed = Cursor::new(Vec::new());
    build(template).pack(&mut packed)?;
    let bytes = package::repack(packed.into_inner(), template.title)?;

    let path = folder.join(template.file);
    std::fs::write(&path, bytes)
        .map_err(|e| format!("failed to write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

fn build(template: &Template) -> Docx {
    let margin = PageMargin::new().top(MARGIN).bottom(MARGIN).left(MARGIN).right(MARGIN);
    let docx = Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_margin(margin.header(720).footer(720).gutter(0))
        .default_fonts(fonts())
        .default_size(BODY_SIZE)
        .default_line_spacing(spacing(0, 120))
        .add_abstract_numbering(bullet_list())
        .add_numbering(Numbering::new(BULLETS, BULLETS))
        .header(header(template))
        .footer(footer())
        .created_at(package::FIXED_TIME)
        .updated_at(package::FIXED_TIME);
    let docx = styles().into_iter().fold(docx, Docx::add_style);

    let mut section = 0;
    template.body.iter().fold(docx, |docx, block| add_block(docx, block, &mut section))
}

/// Adds one block to the document; `section` counts the numbered headings so far.
fn add_block(docx: Docx, block: &Block, section: &mut usize) -> Docx {
    match block {
        Block::Title(t) => docx.add_paragraph(paragraph("Title", t)),
        Block::Subtitle(t) => docx.add_paragraph(paragraph("Subtitle", t)),
        Block::Byline(t) => docx.add_paragraph(paragraph("Byline", t)),
        Block::Section(t) => {
            *section += 1;
            docx.add_paragraph(paragraph("Heading1", &format!("{section}. {t}")))
        }
        Block::Heading(t) => docx.add_paragraph(paragraph("Heading2", t)),
        Block::Text(t) => {
            docx.add_paragraph(paragraph("Normal", t).keep_next(t.ends_with(':')))
        }
        Block::Bullet(t) => docx.add_paragraph(bullet(t)),
        Block::Tag(t) => docx.add_paragraph(paragraph("TemplateTag", t)),
        Block::Note(t) => docx.add_paragraph(paragraph("Note", t)),
        Block::Table(grid) => docx.add_table(grid_table(grid)).add_paragraph(gap()),
        Block::Signatures(columns) => docx.add_table(signature_table(columns)),
    }
}

// ---------------------------------------------------------------------------------------
// Styles and lists
// ---------------------------------------------------------------------------------------

fn fonts() -> RunFonts {
    RunFonts::new().ascii(BODY_FONT).hi_ansi(BODY_FONT).cs(BODY_FONT).east_asia(BODY_FONT)
}

/// Spacing before and after, in twentieths of a point, with the body's line height.
fn spacing(before: u32, after: u32) -> LineSpacing {
    LineSpacing::new()
        .before(before)
        .after(after)
        .line(264)
        .line_rule(LineSpacingType::Auto)
}

fn paragraph_style(id: &str, name: &str) -> Style {
    Style::new(id, StyleType::Paragraph).name(name).based_on("Normal").next("Normal")
}

fn heading_style(id: &str, name: &str, size: usize, before: u32, level: usize) -> Style {
    let mut style = paragraph_style(id, name)
        .size(size)
        .bold()
        .color(ACCENT)
        .line_spacing(spacing(before, 80))
        .outline_lvl(level);
    style.paragraph_property = style.paragraph_property.keep_next(true).keep_lines(true);
    style
}

/// Adds a thin rule under every paragraph of `style`.
fn rule_below(mut style: Style) -> Style {
    let border = ParagraphBorder::new(ParagraphBorderPosition::Bottom)
        .val(BorderType::Single)
        .size(4)
        .space(1)
        .color(RULE);
    let borders = ParagraphBorders::with_empty().set(border);
    style.paragraph_property = style.paragraph_property.set_borders(borders);
    style
}

/// The named styles, so staff who edit a template keep its look. The library always writes
/// a plain Normal style; the body font, size and spacing are the document defaults.
fn styles() -> Vec<Style> {
    let centered = |id, name, size| {
        paragraph_style(id, name)
            .size(size)
            .align(AlignmentType::Center)
            .line_spacing(spacing(0, 60))
    };
    vec![
        centered("Title", "Title", 40).bold().color(ACCENT),
        centered("Subtitle", "Subtitle", 28).color(MUTED),
        centered("Byline", "Byline", 20).color(MUTED).line_spacing(spacing(0, 100)),
        rule_below(heading_style("Heading1", "heading 1", 26, 320, 0)),
        heading_style("Heading2", "heading 2", BODY_SIZE, 200, 1),
        paragraph_style("ListParagraph", "List Paragraph").line_spacing(spacing(0, 60)),
        paragraph_style("TableText", "Table Text").size(20).line_spacing(spacing(0, 0)),
        paragraph_style("TableHeading", "Table Heading").based_on("TableText").bold(),
        paragraph_style("Note", "Note").size(18).italic().color(MUTED),
        paragraph_style("TemplateTag", "Template Tag")
            .size(18)
            .color(RULE)
            .line_spacing(spacing(0, 0)),
        rule_below(paragraph_style("Header", "header").size(18).color(MUTED)),
        paragraph_style("Footer", "footer")
            .size(18)
            .color(MUTED)
            .align(AlignmentType::Center),
    ]
}

fn bullet_list() -> AbstractNumbering {
    let level = Level::new(
        0,
        Start::new(1),
        NumberFormat::new("bullet"),
        LevelText::new("•"),
        LevelJc::new("left"),
    );
    let indent = level.indent(Some(360), Some(SpecialIndentType::Hanging(270)), None, None);
    AbstractNumbering::new(BULLETS).add_level(indent)
}

// ---------------------------------------------------------------------------------------
// Paragraphs
// ---------------------------------------------------------------------------------------

/// Splits `text` into runs: each `{{tag}}` is a run of its own, and `**` toggles bold.
fn runs(text: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut bold = false;
    let mut rest = text;
    while !rest.is_empty() {
        let (piece, tail) = split_token(rest);
        if piece == "**" {
            bold = !bold;
        } else {
            out.push(run(piece, bold));
        }
        rest = tail;
    }
    out
}

/// Takes the token at the start of `text`: a `**`, a whole `{{tag}}`, or plain text.
fn split_token(text: &str) -> (&str, &str) {
    if text.starts_with("**") {
        return text.split_at(2);
    }
    if text.starts_with("{{") {
        return text.split_at(text.find("}}").map_or(text.len(), |end| end + 2));
    }
    let next = [text.find("{{"), text.find("**")].into_iter().flatten().min();
    text.split_at(next.unwrap_or(text.len()))
}

fn run(text: &str, bold: bool) -> Run {
    let run = Run::new().add_text(text);
    if bold {
        run.bold()
    } else {
        run
    }
}

fn paragraph(style: &str, text: &str) -> Paragraph {
    runs(text).into_iter().fold(Paragraph::new().style(style), Paragraph::add_run)
}

fn bullet(text: &str) -> Paragraph {
    paragraph("ListParagraph", text)
        .numbering(NumberingId::new(BULLETS), IndentLevel::new(0))
}

/// A small gap after a table, so the next paragraph does not touch it.
fn gap() -> Paragraph {
    Paragraph::new().style("Normal").line_spacing(spacing(0, 0)).size(8)
}

fn header(template: &Template) -> Header {
    let left = paragraph("Header", template.header_left)
        .add_tab(Tab::new().val(TabValueType::Right).pos(TEXT_WIDTH))
        .add_run(Run::new().add_tab());
    let both = runs(template.header_right).into_iter().fold(left, Paragraph::add_run);
    Header::new().add_paragraph(both)
}

/// "Page X of Y", with fields Word and LibreOffice fill in.
fn footer() -> Footer {
    let para = Paragraph::new()
        .style("Footer")
        .add_run(Run::new().add_text("Page "))
        .add_page_num(PageNum::new())
        .add_run(Run::new().add_text(" of "))
        .add_num_pages(NumPages::new());
    Footer::new().add_paragraph(para)
}

// ---------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------

fn grid_table(grid: &Grid) -> Table {
    let rows = grid.rows.iter().enumerate().map(|(r, cells)| {
        let cells = cells.iter().enumerate().map(|(c, text)| grid_cell(grid, r, c, text));
        TableRow::new(cells.collect()).cant_split()
    });
    Table::new(rows.collect())
        .set_grid(grid.columns.iter().map(|column| column.width).collect())
        .width(TEXT_WIDTH, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .set_borders(borders())
        .margins(TableCellMargins::new().margin(60, 100, 60, 100))
}

fn grid_cell(grid: &Grid, row: usize, column: usize, text: &str) -> TableCell {
    let heading = match grid.look {
        Look::HeaderRow => row == 0,
        Look::LabelColumn => column == 0,
        Look::Both => row == 0 || column == 0,
    };
    let spec = &grid.columns[column];
    let mut para = paragraph(if heading { "TableHeading" } else { "TableText" }, text);
    if spec.right {
        para = para.align(AlignmentType::Right);
    }
    let cell = TableCell::new().add_paragraph(para).width(spec.width, WidthType::Dxa);
    if heading {
        cell.shading(Shading::new().shd_type(ShdType::Clear).color("auto").fill(SHADE))
    } else {
        cell
    }
}

fn borders() -> TableBorders {
    use TableBorderPosition::{Bottom, InsideH, InsideV, Left, Right, Top};
    let line = |position| {
        TableBorder::new(position).border_type(BorderType::Single).size(4).color(RULE)
    };
    [Top, Left, Bottom, Right, InsideH, InsideV]
        .into_iter()
        .fold(TableBorders::with_empty(), |borders, position| borders.set(line(position)))
}

/// Side-by-side signature areas, kept together on one page.
fn signature_table(columns: &[&[&str]]) -> Table {
    let width = TEXT_WIDTH / columns.len();
    let cells = columns.iter().map(|lines| {
        let cell = TableCell::new().width(width, WidthType::Dxa);
        lines.iter().fold(cell, |cell, line| {
            cell.add_paragraph(paragraph("Normal", line).line_spacing(spacing(0, 200)))
        })
    });
    Table::without_borders(vec![TableRow::new(cells.collect()).cant_split()])
        .set_grid(vec![width; columns.len()])
        .width(TEXT_WIDTH, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use docx_rs::BuildXML;

    #[test]
    fn each_tag_is_a_run_of_its_own() {
        let xml: Vec<String> = runs("Hi **{{#if a}}{{b}}{{/if}}** there")
            .iter()
            .map(|run| String::from_utf8_lossy(&run.build()).into_owned())
            .collect();
        let texts = ["Hi ", "{{#if a}}", "{{b}}", "{{/if}}", " there"];
        assert_eq!(xml.len(), texts.len());
        for (run, text) in xml.iter().zip(texts) {
            assert!(run.contains(&format!(">{text}</w:t>")), "{run}");
        }
        assert!(xml[2].contains("<w:b />") && !xml[4].contains("<w:b />"));
    }

    #[test]
    fn every_template_passes_its_tag_check() {
        for template in TEMPLATES {
            wording::check_template(template).unwrap();
        }
    }

    #[test]
    fn the_same_source_gives_the_same_bytes() {
        let pack = || {
            let mut packed = Cursor::new(Vec::new());
            build(TEMPLATES[0]).pack(&mut packed).unwrap();
            package::repack(packed.into_inner(), "t").unwrap()
        };
        assert_eq!(pack(), pack());
    }
}
