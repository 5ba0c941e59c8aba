//! Turning a filled Word document into typst markup: page setup, paragraphs, runs,
//! lists, tables, headers and footers, fields, images and links, from the document's own
//! parts.
//!
//! Lengths are worked out in points from Word's units; formatting is resolved through
//! styles.xml here. The markup states the document's default text formatting once, then
//! only how each paragraph differs from it and each run from its paragraph: the less
//! markup typst reads and the fewer styles it looks through, the sooner it is done.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::Read;
use std::sync::{LazyLock, Mutex, PoisonError};

use crate::docx::xml::{self, Node};
use crate::pdf::fonts::family_for;
use crate::pdf::measure::{Face, LineMeasure};
use crate::pdf::numbering::{format_number, is_symbol_font, Numbering};
use crate::pdf::pieces::Pieces;
use crate::pdf::styles::{
    attr, child, line_box, para_props, run_props, table_border, twips, Align, Border,
    LineSpacing, ParaProps, RunProps, Styles, TabStop, Theme,
};
use crate::pdf::Typesetter;
use typst::layout::Abs;
use typst::text::{FontVariant, FontVariations};

/// A document as typst markup, with the files it loads and what could not be honoured.
#[derive(Debug, Clone, Default)]
pub struct Converted {
    pub markup: String,
    /// Images by the virtual path the markup names.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Things in the document that were approximated or left out, each once.
    pub warnings: Vec<String>,
    /// The names of signature fields, in document order.
    pub signatures: Vec<String>,
    /// Where the markup's parts are, so the typesetter can lay out the parts every
    /// document of a template shares once for all of them.
    pub pieces: Pieces,
}

/// The hidden text a template's `{{signature "name"}}` leaves before the signature line,
/// followed by the name.
pub const SIGNATURE_MARK: &str = "partnerdocs-signature:";

/// The hidden text a template's `{{signature "name"}}` leaves after the signature line.
pub const SIGNATURE_END: &str = "partnerdocs-signature-end";

/// The label of the markers the PDF stage places signature fields by.
pub const SIGNATURE_LABEL: &str = "partnerdocs-signature";

/// Converts `.docx` bytes into typst markup.
pub fn convert_docx(docx: &[u8]) -> Result<Converted, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx))
        .map_err(|err| format!("the document is not a Word file ({err})"))?;
    let mut parts: HashMap<String, Vec<u8>> = HashMap::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|err| err.to_string())?;
        let name = entry.name().map_err(|err| err.to_string())?.to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(|err| err.to_string())?;
        parts.insert(name, bytes);
    }
    let mut converter = Converter::new(parts)?;
    converter.convert()
}

/// A parsed part, or nothing when it is absent or broken (with a warning).
fn parse_part(
    parts: &HashMap<String, Vec<u8>>,
    name: &str,
    warnings: &mut BTreeSet<String>,
) -> Vec<Node> {
    let Some(bytes) = parts.get(name) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(bytes);
    xml::parse(&text).unwrap_or_else(|err| {
        warnings.insert(format!("{name} could not be read ({err}); it was left out"));
        Vec::new()
    })
}

/// Reads a relationships part: id to target.
fn relationships(nodes: &[Node]) -> HashMap<String, (String, bool)> {
    let mut rels = HashMap::new();
    for root in nodes.iter().filter(|n| n.is("Relationships")) {
        for rel in root.children().iter().filter(|n| n.is("Relationship")) {
            if let (Some(id), Some(target)) = (attr(rel, "Id"), attr(rel, "Target")) {
                let external = attr(rel, "TargetMode") == Some("External");
                let target = quick_xml::escape::unescape(target)
                    .map_or(target.to_string(), |t| t.into_owned());
                rels.insert(id.to_string(), (target, external));
            }
        }
    }
    rels
}

/// Page geometry of a section, in points.
#[derive(Debug, Clone)]
struct Page {
    width: f64,
    height: f64,
    top: f64,
    bottom: f64,
    left: f64,
    right: f64,
    header: f64,
    footer: f64,
    title_page: bool,
    headers: Vec<(String, String)>,
    footers: Vec<(String, String)>,
}

impl Page {
    /// Takes the headers and footers this section does not define from the section
    /// before, as Word does.
    fn inherit_stories(&mut self, previous: &Page) {
        for (mine, theirs) in
            [(&mut self.headers, &previous.headers), (&mut self.footers, &previous.footers)]
        {
            for (kind, part) in theirs {
                if !mine.iter().any(|(k, _)| k == kind) {
                    mine.push((kind.clone(), part.clone()));
                }
            }
        }
    }
}

impl Default for Page {
    fn default() -> Self {
        Page {
            width: 612.0,
            height: 792.0,
            top: 72.0,
            bottom: 72.0,
            left: 72.0,
            right: 72.0,
            header: 36.0,
            footer: 36.0,
            title_page: false,
            headers: Vec::new(),
            footers: Vec::new(),
        }
    }
}

/// A field being read across runs.
#[derive(Debug, Clone, PartialEq)]
enum Field {
    None,
    Instruction(String),
    /// Showing the result runs (for fields partnerdocs does not compute).
    Result,
    /// Hiding the cached result of a field computed in typst.
    Computed,
}

/// Where a run of paragraphs and tables has got to, for the space between its blocks.
#[derive(Debug, Clone, Default)]
struct Flow {
    /// The space after the block before; `None` at the top of a page begun by a break,
    /// of a cell or of a story.
    after: Option<f64>,
    /// The room below the last line of the paragraph before, from its line spacing.
    leading: f64,
    /// The style of the paragraph before, for contextual spacing.
    style: Option<String>,
}

impl Flow {
    /// The room the last paragraph of a cell or story keeps below it, in points.
    fn room_below(&self) -> f64 {
        self.after.map_or(0.0, |after| (after + self.leading).max(0.0))
    }

    /// That room as markup (empty for none).
    fn end(&self) -> String {
        match self.room_below() {
            room if room > 0.0 => format!("#v({}pt)", num(room)),
            _ => String::new(),
        }
    }
}

/// A list item's number or bullet, with its formatting.
#[derive(Debug, Clone)]
struct Label {
    text: String,
    run: RunProps,
    suffix: Suffix,
}

/// What separates a list label from the item's text.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Suffix {
    Tab,
    Space,
    Nothing,
}

struct Converter {
    parts: HashMap<String, Vec<u8>>,
    styles: Styles,
    numbering: Numbering,
    document_rels: HashMap<String, (String, bool)>,
    footnotes: HashMap<String, Node>,
    endnotes: HashMap<String, Node>,
    files: BTreeMap<String, Vec<u8>>,
    warnings: BTreeSet<String>,
    signatures: Vec<String>,
    default_tab: f64,
    /// Whether the space after a paragraph and the space before the next add up (Word
    /// 97's rule) rather than the larger one counting.
    additive_spacing: bool,
    /// Whether even pages have headers and footers of their own.
    even_and_odd: bool,
    /// How many tables have been converted, to name one in a warning.
    tables: usize,
    /// The number of the section being converted, from 1.
    sections: usize,
    /// The endnotes referred to so far, with their numbers, in order.
    endnote_refs: Vec<(String, String)>,
    /// How endnotes are numbered (Word's number format; lower-case Roman by default).
    endnote_format: String,
    /// The number of the endnote being set, for its `w:endnoteRef`.
    endnote_label: Option<String>,
    /// The colour of text in Word's automatic colour: white on dark shading, else
    /// `None` for typst's black.
    auto_color: Option<&'static str>,
    /// The rels of the part being converted (document, a header, a footer).
    rels: HashMap<String, (String, bool)>,
    field: Field,
    text_width: f64,
    images: usize,
    /// The text formatting the whole document is set in (its default paragraph style's),
    /// stated once at the top; paragraphs state only how theirs differs.
    document_text: TextArgs,
    /// The text formatting of the paragraph being converted, which its runs state only
    /// their differences from; `None` outside a paragraph (in a footnote, say).
    paragraph_text: Option<TextArgs>,
    /// What the table cell being converted shows about its lines; `None` outside cells.
    line: Option<LineMeasure>,
    /// The text arguments of each run format met so far.
    text_args_seen: HashMap<TextKey, TextArgs>,
}

/// What a run's `text()` arguments depend on: its font, size, kerning, weight, style
/// and colour, the paragraph's line spacing and the automatic colour around it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TextKey {
    font: Option<String>,
    size: Option<u64>,
    kern: Option<u64>,
    bold: Option<bool>,
    italic: Option<bool>,
    color: Option<String>,
    spacing: (u8, u64),
    auto_color: Option<&'static str>,
}

impl TextKey {
    fn new(run: &RunProps, spacing: LineSpacing, auto_color: Option<&'static str>) -> Self {
        let spacing = match spacing {
            LineSpacing::Multiple(factor) => (0, factor.to_bits()),
            LineSpacing::Exact(points) => (1, points.to_bits()),
            LineSpacing::AtLeast(points) => (2, points.to_bits()),
        };
        TextKey {
            font: run.font.clone(),
            size: run.size.map(f64::to_bits),
            kern: run.kern.map(f64::to_bits),
            bold: run.bold,
            italic: run.italic,
            color: run.color.clone(),
            spacing,
            auto_color,
        }
    }
}

/// The arguments of a typst `text` call or rule, by name, in a fixed order.
#[derive(Debug, Clone, Default, PartialEq)]
struct TextArgs(Vec<(&'static str, String)>);

impl TextArgs {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    fn push(&mut self, name: &'static str, value: String) {
        self.0.push((name, value));
    }

    /// The arguments that turn text set as `base` into text set as `self`: those whose
    /// values differ, and typst's default for any that `base` sets and `self` does not.
    fn over(&self, base: &TextArgs) -> String {
        let mut out = String::new();
        let mut add = |name: &str, value: &str| {
            if !out.is_empty() {
                out.push_str(", ");
            }
            let _ = write!(out, "{name}: {value}");
        };
        for (name, value) in &self.0 {
            if base.get(name) != Some(value.as_str()) {
                add(name, value);
            }
        }
        for (name, _) in &base.0 {
            if self.get(name).is_none() {
                let default = match *name {
                    "kerning" => "false",
                    "weight" => "\"regular\"",
                    "style" => "\"normal\"",
                    "fill" => "black",
                    // Font, size and edges are always given.
                    _ => continue,
                };
                add(name, default);
            }
        }
        out
    }
}

impl Converter {
    fn new(parts: HashMap<String, Vec<u8>>) -> Result<Self, String> {
        if !parts.contains_key("word/document.xml") {
            return Err("the document has no word/document.xml".into());
        }
        let mut warnings = BTreeSet::new();
        let theme =
            Theme::from_nodes(&parse_part(&parts, "word/theme/theme1.xml", &mut warnings));
        let styles_nodes = parse_part(&parts, "word/styles.xml", &mut warnings);
        let numbering_nodes = parse_part(&parts, "word/numbering.xml", &mut warnings);
        let numbering = Numbering::from_nodes(&numbering_nodes, &theme);
        let styles = Styles::from_nodes(&styles_nodes, theme);
        let document_rels = relationships(&parse_part(
            &parts,
            "word/_rels/document.xml.rels",
            &mut warnings,
        ));
        let settings = parse_part(&parts, "word/settings.xml", &mut warnings);
        let setting = |name: &str| {
            settings.iter().flat_map(|n| n.children()).find(|n| n.is(name)).cloned()
        };
        let default_tab = setting("w:defaultTabStop")
            .and_then(|n| attr(&n, "w:val").and_then(twips))
            .unwrap_or(36.0);
        let endnote_format = setting("w:endnotePr")
            .and_then(|n| {
                child(&n, "w:numFmt").and_then(|f| attr(f, "w:val")).map(str::to_string)
            })
            .unwrap_or_else(|| "lowerRoman".into());
        let even_and_odd = setting("w:evenAndOddHeaders")
            .is_some_and(|n| attr(&n, "w:val").is_none_or(|v| !matches!(v, "0" | "false")));
        // LibreOffice adds the two spaces when settings.xml is missing too.
        let additive_spacing = settings.is_empty()
            || setting("w:compat").is_some_and(|compat| {
                child(&compat, "w:doNotUseHTMLParagraphAutoSpacing").is_some()
            });
        let notes = |name: &str, element: &str, warnings: &mut BTreeSet<String>| {
            let nodes = parse_part(&parts, name, warnings);
            let mut notes = HashMap::new();
            for root in &nodes {
                for note in root.children().iter().filter(|n| n.is(element)) {
                    let kind = attr(note, "w:type").unwrap_or("normal");
                    if let (Some(id), "normal") = (attr(note, "w:id"), kind) {
                        notes.insert(id.to_string(), note.clone());
                    }
                }
            }
            notes
        };
        let footnotes = notes("word/footnotes.xml", "w:footnote", &mut warnings);
        let endnotes = notes("word/endnotes.xml", "w:endnote", &mut warnings);
        Ok(Converter {
            parts,
            styles,
            numbering,
            rels: document_rels.clone(),
            document_rels,
            footnotes,
            endnotes,
            files: BTreeMap::new(),
            warnings,
            signatures: Vec::new(),
            default_tab,
            additive_spacing,
            even_and_odd,
            tables: 0,
            sections: 0,
            endnote_refs: Vec::new(),
            endnote_format,
            endnote_label: None,
            auto_color: None,
            field: Field::None,
            text_width: 468.0,
            images: 0,
            document_text: TextArgs::default(),
            paragraph_text: None,
            line: None,
            text_args_seen: HashMap::new(),
        })
    }

    fn warn(&mut self, message: impl Into<String>) {
        self.warnings.insert(message.into());
    }

    /// The cell being converted holds something whose lines are not measured here.
    fn unmeasured(&mut self) {
        if let Some(line) = &mut self.line {
            line.give_up();
        }
    }

    fn convert(&mut self) -> Result<Converted, String> {
        let document = parse_part(&self.parts, "word/document.xml", &mut self.warnings);
        let body = document
            .iter()
            .find(|n| n.is("w:document"))
            .and_then(|d| child(d, "w:body"))
            .ok_or("the document has no body")?;

        // Split the body into sections: a paragraph holding w:sectPr ends one.
        let children = body.children();
        let mut sections: Vec<(&[Node], Option<&Node>)> = Vec::new();
        let mut start = 0;
        for (at, node) in children.iter().enumerate() {
            if node.is("w:sectPr") {
                sections.push((&children[start..at], Some(node)));
                start = at + 1;
                continue;
            }
            let section_end = node
                .is("w:p")
                .then(|| child(node, "w:pPr").and_then(|p| child(p, "w:sectPr")))
                .flatten();
            if let Some(properties) = section_end {
                sections.push((&children[start..=at], Some(properties)));
                start = at + 1;
            }
        }
        if start < children.len() {
            sections.push((&children[start..], None));
        }

        let mut markup = String::with_capacity(64 * 1024);
        let mut pieces = Pieces::default();
        markup.push_str(PREAMBLE);
        markup.push_str(TABS);
        let (para, run) = self.styles.paragraph(None, &ParaProps::default());
        self.document_text = self.text_args(&run, line_spacing(&para));
        let _ = writeln!(
            markup,
            "#set text({})",
            self.document_text.over(&TextArgs::default())
        );
        let mut previous: Option<Page> = None;
        for (index, &(blocks, properties)) in sections.iter().enumerate() {
            let mut page = properties.map(|p| self.page(p)).unwrap_or_default();
            if let Some(previous) = &previous {
                page.inherit_stories(previous);
            }
            if index > 0 {
                markup.push_str("#pagebreak(weak: true)\n");
            }
            self.sections = index + 1;
            self.text_width = (page.width - page.left - page.right).max(72.0);
            self.page_rule(&page, &mut markup, &mut pieces);
            let _ = writeln!(markup, "#metadata(none) <partnerdocs-section-{}>", index + 1);
            previous = Some(page);
            self.rels = self.document_rels.clone();
            let mut flow = Flow::default();
            for index in 0..blocks.len() {
                let start = markup.len();
                self.block(blocks, index, &mut flow, &mut markup);
                if markup.len() > start {
                    pieces.blocks.push(start..markup.len());
                }
            }
        }
        self.endnotes_after_text(&mut markup);
        Ok(Converted {
            markup,
            files: std::mem::take(&mut self.files),
            warnings: self.warnings.iter().cloned().collect(),
            signatures: std::mem::take(&mut self.signatures),
            pieces,
        })
    }

    /// The endnotes the text refers to, in the order it refers to them, on a page after
    /// the text as LibreOffice sets them (Word sets them right after the text).
    fn endnotes_after_text(&mut self, markup: &mut String) {
        let references = std::mem::take(&mut self.endnote_refs);
        if references.is_empty() {
            return;
        }
        markup.push_str("#pagebreak()\n");
        let mut flow = Flow::default();
        for (id, label) in references {
            if let Some(note) = self.endnotes.get(&id).cloned() {
                self.endnote_label = Some(label);
                self.blocks(note.children(), &mut flow, markup);
            }
        }
        self.endnote_label = None;
    }

    /// Reads a section's page size, margins and header and footer references.
    fn page(&mut self, properties: &Node) -> Page {
        let mut page = Page::default();
        if let Some(size) = child(properties, "w:pgSz") {
            page.width = attr(size, "w:w").and_then(twips).unwrap_or(page.width);
            page.height = attr(size, "w:h").and_then(twips).unwrap_or(page.height);
        }
        if let Some(margins) = child(properties, "w:pgMar") {
            let read = |name: &str, default: f64| {
                attr(margins, name).and_then(twips).map_or(default, f64::abs)
            };
            page.top = read("w:top", page.top);
            page.bottom = read("w:bottom", page.bottom);
            page.left = read("w:left", page.left);
            page.right = read("w:right", page.right);
            page.header = read("w:header", page.header);
            page.footer = read("w:footer", page.footer);
        }
        page.title_page =
            child(properties, "w:titlePg").is_some_and(|n| attr(n, "w:val") != Some("0"));
        if child(properties, "w:cols")
            .and_then(|c| attr(c, "w:num"))
            .is_some_and(|n| n != "1")
        {
            self.warn(
                "columns in a section are not supported; the text is set in one column",
            );
        }
        for node in properties.children() {
            let kind = attr(node, "w:type").unwrap_or("default").to_string();
            let Some(id) = attr(node, "r:id") else {
                continue;
            };
            let Some((target, _)) = self.document_rels.get(id).cloned() else {
                continue;
            };
            if node.is("w:headerReference") {
                page.headers.push((kind, format!("word/{target}")));
            } else if node.is("w:footerReference") {
                page.footers.push((kind, format!("word/{target}")));
            }
        }
        page
    }

    /// `#set page(...)` for a section, with its headers and footers, noting where they
    /// are in `pieces`.
    fn page_rule(&mut self, page: &Page, out: &mut String, pieces: &mut Pieces) {
        let header = self.story(&page.headers, page, true);
        let footer = self.story(&page.footers, page, false);
        let _ = write!(
            out,
            "#set page(width: {}pt, height: {}pt, margin: (top: {}pt, bottom: {}pt, left: {}pt, \
             right: {}pt), header-ascent: 0pt, footer-descent: 0pt, header: ",
            num(page.width),
            num(page.height),
            num(page.top),
            num(page.bottom),
            num(page.left),
            num(page.right),
        );
        for (story, tail) in [(header, ", footer: "), (footer, ")\n")] {
            let start = out.len();
            out.push_str(&story);
            if story != "none" {
                pieces.stories.push(start..out.len());
            }
            out.push_str(tail);
        }
    }

    /// A header or footer: first-page and even-page variants chosen by page number.
    fn story(
        &mut self,
        references: &[(String, String)],
        page: &Page,
        header: bool,
    ) -> String {
        let mut variants: BTreeMap<String, String> = BTreeMap::new();
        for (kind, part) in references {
            let nodes = parse_part(&self.parts, part, &mut self.warnings);
            let rels_name = match part.rsplit_once('/') {
                Some((folder, file)) => format!("{folder}/_rels/{file}.rels"),
                None => continue,
            };
            let saved = std::mem::replace(
                &mut self.rels,
                relationships(&parse_part(&self.parts, &rels_name, &mut self.warnings)),
            );
            // The last paragraph's space after keeps a footer off the page's edge.
            let (mut content, mut flow) = (String::new(), Flow::default());
            for root in &nodes {
                self.blocks(root.children(), &mut flow, &mut content);
            }
            content.push_str(&flow.end());
            self.rels = saved;
            variants.insert(kind.clone(), content);
        }
        let first = variants.get("first").filter(|_| page.title_page);
        let even = variants.get("even").filter(|_| self.even_and_odd);
        let default = variants.get("default");
        if first.is_none() && even.is_none() && default.is_none() {
            return "none".into();
        }

        // Word sets a header's top at its distance from the page's edge, a footer's
        // bottom likewise, and lets them grow towards the text.
        let room = if header { page.top - page.header } else { page.bottom - page.footer };
        let align = if header { "top" } else { "bottom" };
        let wrap = |content: Option<&String>| {
            format!(
                "block(width: 100%, height: {}pt)[#align({align})[{}]]",
                num(room.max(0.0)),
                content.map_or("", String::as_str),
            )
        };
        if first.is_none() && even.is_none() {
            // The same on every page: nothing to ask typst about the page it is on.
            return wrap(default);
        }
        let mut choice = String::from("context {\n let n = here().page()\n ");
        if first.is_some() {
            // The first page of the section, which its marker is on.
            let _ = write!(
                choice,
                "if n == locate(<partnerdocs-section-{}>).page() {{ {} }} else ",
                self.sections,
                wrap(first),
            );
        }
        if even.is_some() {
            let _ = write!(choice, "if calc.even(n) {{ {} }} else ", wrap(even));
        }
        let _ = write!(choice, "{{ {} }}\n}}", wrap(default));
        choice
    }

    /// Paragraphs and tables, in order, continuing `flow`.
    fn blocks(&mut self, nodes: &[Node], flow: &mut Flow, out: &mut String) {
        for index in 0..nodes.len() {
            self.block(nodes, index, flow, out);
        }
    }

    /// The paragraph, table or group of them at `nodes[index]`, continuing `flow`.
    fn block(&mut self, nodes: &[Node], index: usize, flow: &mut Flow, out: &mut String) {
        let Some(node) = nodes.get(index) else {
            return;
        };
        match node.name().unwrap_or_default() {
            "w:p" => {
                let next_style = nodes[index + 1..]
                    .iter()
                    .find(|n| n.is("w:p") || n.is("w:tbl"))
                    .and_then(|n| child(n, "w:pPr"))
                    .and_then(|p| child(p, "w:pStyle"))
                    .and_then(|s| attr(s, "w:val"))
                    .map(str::to_string);
                self.paragraph(node, next_style.as_deref(), flow, out);
            }
            "w:tbl" => {
                self.space_before(flow, 0.0, out);
                self.table(node, out);
                *flow = Flow { after: Some(0.0), ..Flow::default() };
            }
            "w:sdt" => {
                if let Some(content) = child(node, "w:sdtContent") {
                    self.blocks(content.children(), flow, out);
                }
            }
            "w:customXml" | "w:ins" | "w:smartTag" => {
                self.blocks(node.children(), flow, out)
            }
            _ => {}
        }
    }

    /// The space between the block before and a paragraph with `before` above it.
    ///
    /// At the top of a page begun by a break, of a cell or of a story, Word keeps all of
    /// the space before. Between two paragraphs it takes the larger of the space after
    /// and the space before (the sum, in documents that ask for Word 97's spacing), below
    /// the room the line spacing leaves under the last line. That space is weak: a page
    /// that breaks there drops it, as Word does.
    fn space_before(&self, flow: &Flow, before: f64, out: &mut String) {
        match flow.after {
            None if before > 0.0 => {
                let _ = writeln!(out, "#v({}pt)", num(before));
            }
            None => {}
            Some(after) => {
                let gap =
                    if self.additive_spacing { after + before } else { after.max(before) };
                let gap = flow.leading + gap;
                if gap > 0.0 {
                    let _ = writeln!(out, "#v({}pt, weak: true)", num(gap));
                }
            }
        }
    }

    /// One paragraph, after the space that separates it from the block before.
    fn paragraph(
        &mut self,
        node: &Node,
        next: Option<&str>,
        flow: &mut Flow,
        out: &mut String,
    ) {
        let previous = flow.style.take();
        let previous = previous.as_deref();
        let ppr = child(node, "w:pPr");
        let style = ppr
            .and_then(|p| child(p, "w:pStyle"))
            .and_then(|s| attr(s, "w:val"))
            .map(str::to_string);
        if let Some(id) = style.as_deref().filter(|id| !self.styles.has(id)) {
            self.warn(format!(
                "the style `{id}` is not defined in styles.xml; paragraphs in it were set \
                 in the default paragraph style"
            ));
        }
        let direct = ppr.map(para_props).unwrap_or_default();
        let (mut para, run) = self.styles.paragraph(style.as_deref(), &direct);

        let mut label = None;
        if let Some((id, level)) = para.numbering.clone() {
            if let Some(definition) = self.numbering.level(&id, level).cloned() {
                let (mut with_list, _) =
                    self.styles.paragraph(style.as_deref(), &ParaProps::default());
                with_list.merge(&definition.para);
                with_list.merge(&direct);
                para = with_list;
                let mut label_run = run.clone();
                label_run.merge(&definition.run);
                if definition.run.font.as_deref().is_none_or(is_symbol_font) {
                    label_run.font = run.font.clone();
                }
                let suffix = match definition.suffix.as_str() {
                    "space" => Suffix::Space,
                    "nothing" => Suffix::Nothing,
                    _ => Suffix::Tab,
                };
                label = self.numbering.next_label(&id, level).map(|text| Label {
                    text,
                    run: label_run,
                    suffix,
                });
            }
        }
        if let Some(line) = &mut self.line {
            line.paragraph(self.text_width - para.right.unwrap_or(0.0) - line_start(&para));
            if label.is_some() {
                line.give_up();
            }
        }
        let style_id = style.clone().unwrap_or_default();
        if para.contextual == Some(true) {
            if previous == Some(style_id.as_str()) {
                para.before = Some(0.0);
            }
            if next == Some(style_id.as_str()) {
                para.after = Some(0.0);
            }
        }

        // An empty paragraph is one line as tall as its mark's formatting makes it.
        let mut mark = run.clone();
        if let Some(rpr) = ppr.and_then(|p| child(p, "w:rPr")) {
            mark = self.styles.run(&run, None, &run_props(rpr, &self.styles.theme));
        }

        // Runs, split where a page break sits inside the paragraph.
        let mut segments = vec![String::new()];
        let outer_color = self.auto_color;
        if para.shading.as_deref().is_some_and(is_dark) {
            self.auto_color = Some(WHITE);
        }
        let args = self.text_args(&run, line_spacing(&para));
        let outer_text = self.paragraph_text.replace(args.clone());
        self.inlines(node.children(), &run, &para, &mut segments);
        self.paragraph_text = outer_text;
        self.auto_color = outer_color;
        if para.page_break_before == Some(true) {
            out.push_str("#pagebreak(weak: true)\n");
            flow.after = None;
        }
        self.space_before(flow, para.before.unwrap_or(0.0), out);
        let line_end = self.text_width - para.right.unwrap_or(0.0);
        let last = segments.len() - 1;
        if last > 0 {
            self.unmeasured();
        }
        let mut last_leading = 0.0;
        for (index, content) in segments.into_iter().enumerate() {
            if index > 0 {
                out.push_str("#pagebreak()\n");
                // Nothing after a page break that ends a paragraph takes room on the
                // new page, and the next paragraph keeps its space before.
                if index == last && content.trim().is_empty() {
                    *flow = Flow::default();
                    return;
                }
            }
            let label = if index == 0 { label.as_ref() } else { None };
            // An empty paragraph is set in its mark's formatting.
            let (run, args) = if content.trim().is_empty() {
                (&mark, self.text_args(&mark, line_spacing(&para)))
            } else {
                (&run, args.clone())
            };
            let content = self.tabbed(&content, &para, line_start(&para), line_end);
            self.paragraph_block(&para, run, args, label, &content, out);
            last_leading = leading(run, line_spacing(&para));
        }
        *flow = Flow {
            after: Some(para.after.unwrap_or(0.0)),
            leading: last_leading,
            style: Some(style_id),
        };
    }

    /// The block that sets one paragraph with its indents, alignment, borders and
    /// shading, its text as `args` says; its space before and after is the flow's (see
    /// [`Self::space_before`]).
    fn paragraph_block(
        &mut self,
        para: &ParaProps,
        run: &RunProps,
        args: TextArgs,
        label: Option<&Label>,
        content: &str,
        out: &mut String,
    ) {
        let spacing = line_spacing(para);
        let content = if content.trim().is_empty() && label.is_none() {
            "#\"\\u{200b}\"".to_string()
        } else {
            content.to_string()
        };
        let align = match para.align.unwrap_or(Align::Left) {
            Align::Left | Align::Justify => "left",
            Align::Center => "center",
            Align::Right => "right",
        };
        let left = para.left.unwrap_or(0.0);
        let right = para.right.unwrap_or(0.0);
        let hanging = para.hanging.unwrap_or(0.0);
        let first = para.first_line.unwrap_or(0.0);

        // Each paragraph states only what differs from the document's defaults. A block
        // holds it where it keeps its lines or itself with the next, or has borders or
        // shading; a border sits its distance outside the text and takes room as Word
        // gives it.
        let mut block = String::new();
        if para.keep_lines == Some(true) {
            block.push_str(", breakable: false");
        }
        if para.keep_next == Some(true) {
            block.push_str(", sticky: true");
        }
        let (mut stroke, mut inset) = (Vec::new(), Vec::new());
        for (side, border) in [("bottom", &para.border_bottom), ("top", &para.border_top)] {
            if let Some(Border { width, color, space }) = border {
                stroke.push(format!("{side}: {}pt + rgb(\"#{color}\")", num(*width)));
                inset.push(format!("{side}: {}pt", num(space + width)));
            }
        }
        if !stroke.is_empty() {
            let _ = write!(
                block,
                ", stroke: ({}), inset: ({})",
                stroke.join(", "),
                inset.join(", ")
            );
        }
        if let Some(fill) = &para.shading {
            let _ = write!(block, ", fill: rgb(\"#{fill}\")");
        }

        let mut rules = String::new();
        let differences = args.over(&self.document_text);
        if !differences.is_empty() {
            let _ = write!(rules, "#set text({differences}); ");
        }
        if align != "left" {
            let _ = write!(rules, "#set align({align}); ");
        }
        // Word keeps widows and orphans off a page unless the paragraph says otherwise.
        if para.widow_control == Some(false) {
            rules.push_str("#set text(costs: (widow: 0%, orphan: 0%)); ");
        }

        let outer_text = self.paragraph_text.replace(args);
        let label = label.map(|label| {
            // The label starts at the first line's indent; a tab takes the text on to
            // the hanging indent, or to the next default tab stop.
            let gap = if hanging > 0.0 { hanging } else { self.default_tab };
            let text = self.text_call(&label.run, spacing, &label.text);
            match label.suffix {
                Suffix::Tab => format!("#box(width: {}pt)[{text}]", num(gap)),
                Suffix::Space => format!("{text} "),
                Suffix::Nothing => text,
            }
        });
        self.paragraph_text = outer_text;

        let mut par = format!("leading: {}pt", num(leading(run, spacing)));
        if para.align == Some(Align::Justify) {
            par.push_str(", justify: true");
        }
        let (pad, indent) = self.indent(left, right, hanging, first);
        par.push_str(&indent);
        let mut paragraph =
            format!("#par({par})[{}{content}]", label.as_deref().unwrap_or_default());
        if !pad.is_empty() {
            paragraph = format!("#pad({pad})[{paragraph}]");
        }
        if !block.is_empty() {
            let _ = write!(out, "#block(width: 100%{block})[{rules}{paragraph}]");
        } else if !rules.is_empty() {
            let _ = write!(out, "#[{rules}{paragraph}]");
        } else {
            out.push_str(&paragraph);
        }
        out.push('\n');
    }

    /// How a paragraph's lines are indented: the arguments of the `pad` around it (empty
    /// for none) and those of its `par` (each with a leading comma).
    fn indent(&self, left: f64, right: f64, hanging: f64, first: f64) -> (String, String) {
        let (start, par) = if hanging > 0.0 {
            // Word lets a hanging first line into the margin; here it stops at the margin.
            let start = (left - hanging).max(0.0);
            (start, format!(", hanging-indent: {}pt", num(left - start)))
        } else if first != 0.0 {
            (left, format!(", first-line-indent: (amount: {}pt, all: true)", num(first)))
        } else {
            (left, String::new())
        };
        let mut pad = Vec::new();
        if num(start) != "0" {
            pad.push(format!("left: {}pt", num(start)));
        }
        if num(right) != "0" {
            pad.push(format!("right: {}pt", num(right)));
        }
        (pad.join(", "), par)
    }

    /// The arguments of `text()` for a run's formatting (font, size, weight, style, colour).
    ///
    /// The top and bottom edges make the line as tall as Word makes it with `spacing`.
    fn text_args(&mut self, run: &RunProps, spacing: LineSpacing) -> TextArgs {
        // Most runs of a document share a few formats, so each is worked out once.
        let key = TextKey::new(run, spacing, self.auto_color);
        if let Some(args) = self.text_args_seen.get(&key) {
            return args.clone();
        }
        let args = self.new_text_args(run, spacing);
        self.text_args_seen.insert(key, args.clone());
        args
    }

    /// Works out [`Self::text_args`].
    fn new_text_args(&mut self, run: &RunProps, spacing: LineSpacing) -> TextArgs {
        let word_font = run.font.clone().unwrap_or_else(|| "Calibri".into());
        let family = family_for(&word_font);
        if family == crate::pdf::FALLBACK_FAMILY
            && !word_font.eq_ignore_ascii_case("calibri")
            && !word_font.eq_ignore_ascii_case(family)
            && !word_font.to_ascii_lowercase().starts_with("calibri")
        {
            self.warn(format!(
                "the font `{word_font}` is not available; {family} was used instead"
            ));
        }
        let size = run.size.unwrap_or(11.0);
        let line = line_box(family, size, spacing);
        let mut args = TextArgs::default();
        args.push("font", format!("\"{family}\""));
        args.push("size", format!("{}pt", num(size)));
        args.push("top-edge", format!("{}pt", num(line.top)));
        args.push("bottom-edge", format!("{}pt", num(-line.bottom)));
        // Word kerns only where a run asks for it, from a font size up.
        if run.kern.is_some_and(|from| size >= from) {
            args.push("kerning", "true".into());
        }
        if run.bold == Some(true) {
            args.push("weight", "\"bold\"".into());
        }
        if run.italic == Some(true) {
            args.push("style", "\"italic\"".into());
        }
        let color = run.color.as_deref().filter(|c| !c.eq_ignore_ascii_case("auto"));
        if let Some(color) = color.or(self.auto_color) {
            args.push("fill", format!("rgb(\"#{color}\")"));
        }
        args
    }

    /// A run of text with its formatting.
    fn text_call(&mut self, run: &RunProps, spacing: LineSpacing, text: &str) -> String {
        let mut text = text.to_string();
        if run.caps == Some(true) {
            text = text.to_uppercase();
        }
        let mut args = self.text_args(run, spacing);
        let family = family_for(run.font.as_deref().unwrap_or("Calibri"));
        let mut fallbacks: Vec<String> = Vec::new();
        for c in text.chars().filter(|c| !c.is_ascii()) {
            if let Some(fallback) = fallback_family(family, c) {
                if !fallbacks.contains(&fallback) {
                    fallbacks.push(fallback);
                }
            }
        }
        if !fallbacks.is_empty() {
            // Listed after the run's family, they draw only what it lacks.
            let listed: Vec<String> = fallbacks.iter().map(|f| string_literal(f)).collect();
            if let Some((_, font)) = args.0.iter_mut().find(|(name, _)| *name == "font") {
                *font = format!("(\"{family}\", {})", listed.join(", "));
            }
        }
        // The run states only how it differs from the text around it.
        let around = self.paragraph_text.as_ref().unwrap_or(&self.document_text);
        let differences = args.over(around);
        let mut call = if differences.is_empty() {
            format!("#{}", string_literal(&text))
        } else {
            format!("#text({differences}, {})", string_literal(&text))
        };
        if run.small_caps == Some(true) {
            call = format!("#smallcaps[{call}]");
        }
        match run.vertical.as_deref() {
            Some("superscript") => call = format!("#super[{call}]"),
            Some("subscript") => call = format!("#sub[{call}]"),
            _ => {}
        }
        if run.underline == Some(true) {
            call = format!("#underline[{call}]");
        }
        if run.strike == Some(true) {
            call = format!("#strike[{call}]");
        }
        if let Some(color) = &run.highlight {
            call = format!("#highlight(fill: rgb(\"#{color}\"))[{call}]");
        }
        call
    }

    /// The runs of a paragraph (and of links, revisions and fields inside it).
    fn inlines(
        &mut self,
        nodes: &[Node],
        paragraph_run: &RunProps,
        para: &ParaProps,
        out: &mut Vec<String>,
    ) {
        for node in nodes {
            let name = node.name().unwrap_or_default();
            if !MEASURED_INLINES.contains(&name) {
                self.unmeasured();
            }
            match name {
                "w:r" => self.run(node, paragraph_run, para, out),
                "w:hyperlink" => {
                    let target = attr(node, "r:id")
                        .and_then(|id| self.rels.get(id))
                        .map(|(t, _)| t.clone());
                    let mut inner = vec![String::new()];
                    self.inlines(node.children(), paragraph_run, para, &mut inner);
                    let content = inner.concat();
                    let current = out.last_mut();
                    // A tab inside a link is left at its default width.
                    let content = match &target {
                        Some(_) => content.replace(TAB_MARK, &self.default_tab_markup()),
                        None => content,
                    };
                    if let Some(current) = current {
                        match target {
                            Some(url) => {
                                let _ = write!(
                                    current,
                                    "#link({})[{content}]",
                                    string_literal(&url)
                                );
                            }
                            None => current.push_str(&content),
                        }
                    }
                }
                "w:ins" | "w:smartTag" | "w:customXml" | "w:bdo" | "w:dir" => {
                    self.inlines(node.children(), paragraph_run, para, out)
                }
                "w:sdt" => {
                    if let Some(content) = child(node, "w:sdtContent") {
                        self.inlines(content.children(), paragraph_run, para, out);
                    }
                }
                "w:fldSimple" => {
                    let instruction = attr(node, "w:instr").unwrap_or("").to_string();
                    match computed_field(&instruction) {
                        Some(markup) => push(out, markup),
                        None => self.inlines(node.children(), paragraph_run, para, out),
                    }
                }
                _ => {}
            }
        }
    }

    /// One run: text, tabs, breaks, fields, images, notes.
    fn run(
        &mut self,
        node: &Node,
        paragraph_run: &RunProps,
        para: &ParaProps,
        out: &mut Vec<String>,
    ) {
        let rpr = child(node, "w:rPr");
        let style = rpr
            .and_then(|r| child(r, "w:rStyle"))
            .and_then(|s| attr(s, "w:val"))
            .map(str::to_string);
        let direct = rpr.map(|r| run_props(r, &self.styles.theme)).unwrap_or_default();
        let run = self.styles.run(paragraph_run, style.as_deref(), &direct);
        for part in node.children() {
            let name = part.name().unwrap_or_default();
            if !matches!(name, "w:t" | "w:rPr" | "w:lastRenderedPageBreak") {
                self.unmeasured();
            }
            match name {
                "w:fldChar" => match attr(part, "w:fldCharType") {
                    Some("begin") => self.field = Field::Instruction(String::new()),
                    Some("separate") => {
                        if let Field::Instruction(instruction) = &self.field {
                            match computed_field(instruction) {
                                Some(markup) => {
                                    push(out, markup);
                                    self.field = Field::Computed;
                                }
                                None => self.field = Field::Result,
                            }
                        }
                    }
                    Some("end") => {
                        if let Field::Instruction(instruction) = &self.field {
                            if let Some(markup) = computed_field(instruction) {
                                push(out, markup);
                            }
                        }
                        self.field = Field::None;
                    }
                    _ => {}
                },
                "w:instrText" => {
                    if let Field::Instruction(instruction) = &mut self.field {
                        instruction.push_str(&element_text(part));
                    }
                }
                _ if self.field == Field::Computed
                    || matches!(self.field, Field::Instruction(_)) => {}
                "w:t" => {
                    let text = element_text(part);
                    self.measure_text(&run, &text);
                    if run.hidden == Some(true) {
                        if text.trim() == SIGNATURE_END {
                            self.signature_edge("end", out);
                        } else if let Some(name) = text.strip_prefix(SIGNATURE_MARK) {
                            self.signature(name.trim(), out);
                        }
                        continue;
                    }
                    let call = self.text_call(&run, line_spacing(para), &text);
                    push(out, call);
                }
                "w:tab" => push(out, TAB_MARK.into()),
                "w:br" => match attr(part, "w:type") {
                    Some("page") => out.push(String::new()),
                    _ => push(out, "#linebreak()".into()),
                },
                "w:cr" => push(out, "#linebreak()".into()),
                "w:noBreakHyphen" => push(out, "#\"\\u{2011}\"".into()),
                "w:softHyphen" => push(out, "#\"\\u{ad}\"".into()),
                "w:sym" => {
                    let symbol = attr(part, "w:char")
                        .and_then(|c| u32::from_str_radix(c, 16).ok())
                        .and_then(char::from_u32)
                        .map(|c| {
                            if ('\u{F000}'..='\u{F0FF}').contains(&c) {
                                '\u{2022}'
                            } else {
                                c
                            }
                        })
                        .unwrap_or('\u{2022}');
                    let call =
                        self.text_call(&run, line_spacing(para), &symbol.to_string());
                    push(out, call);
                }
                "w:drawing" => {
                    let image = self.drawing(part);
                    push(out, image);
                }
                "w:pict" | "w:object" => {
                    self.warn("an old-style (VML) picture was left out")
                }
                "w:endnoteReference" => {
                    // Numbered here; the note itself is set after the text.
                    let id = attr(part, "w:id").unwrap_or_default().to_string();
                    if self.endnotes.contains_key(&id) {
                        let number =
                            u32::try_from(self.endnote_refs.len() + 1).unwrap_or(0);
                        let label = format_number(number, &self.endnote_format);
                        self.endnote_refs.push((id, label.clone()));
                        let call = self.note_mark(&run, para, &label);
                        push(out, call);
                    }
                }
                "w:endnoteRef" => {
                    if let Some(label) = self.endnote_label.clone() {
                        let call = self.note_mark(&run, para, &label);
                        push(out, call);
                    }
                }
                "w:footnoteReference" => {
                    let id = attr(part, "w:id").unwrap_or_default().to_string();
                    if let Some(note) = self.footnotes.get(&id).cloned() {
                        // The note is set apart from this paragraph, in the document's
                        // text unless it says otherwise.
                        let outer_text = self.paragraph_text.take();
                        let mut inner = vec![String::new()];
                        for paragraph in note.children().iter().filter(|n| n.is("w:p")) {
                            let (note_para, note_run) = self.styles.paragraph(
                                child(paragraph, "w:pPr")
                                    .and_then(|p| child(p, "w:pStyle"))
                                    .and_then(|s| attr(s, "w:val")),
                                &ParaProps::default(),
                            );
                            self.inlines(
                                paragraph.children(),
                                &note_run,
                                &note_para,
                                &mut inner,
                            );
                        }
                        self.paragraph_text = outer_text;
                        let content =
                            inner.concat().replace(TAB_MARK, &self.default_tab_markup());
                        push(out, format!("#footnote[{content}]"));
                    }
                }
                _ => {}
            }
        }
    }

    /// Adds a run's text to the width of the cell's line, when in a cell.
    fn measure_text(&mut self, run: &RunProps, text: &str) {
        let Some(line) = &mut self.line else {
            return;
        };
        let size = run.size.unwrap_or(11.0);
        let plain = run.hidden != Some(true)
            && run.small_caps != Some(true)
            && run.vertical.is_none()
            && !run.kern.is_some_and(|from| size >= from);
        if !plain {
            line.give_up();
            return;
        }
        let face = Face {
            family: family_for(run.font.as_deref().unwrap_or("Calibri")),
            bold: run.bold == Some(true),
            italic: run.italic == Some(true),
        };
        if run.caps == Some(true) {
            line.text(face, size, &text.to_uppercase());
        } else {
            line.text(face, size, text);
        }
    }

    /// A tab as wide as a default tab stop, where stops cannot be worked out.
    fn default_tab_markup(&self) -> String {
        format!("#h({}pt)", num(self.default_tab))
    }

    /// An endnote's number, raised, in its run's formatting.
    fn note_mark(&mut self, run: &RunProps, para: &ParaProps, label: &str) -> String {
        let mut mark = run.clone();
        mark.vertical = Some("superscript".into());
        self.text_call(&mark, line_spacing(para), label)
    }

    /// A paragraph segment with its tabs set: each tab reaches the next stop past the
    /// text before it, as in Word.
    ///
    /// Where that is depends on how wide the text is, so typst works it out
    /// (`partnerdocs-tabs` in the preamble) from the stops given here: the paragraph's
    /// own, the hanging indent, then the default stops. `start` is where the first line
    /// starts and `end` where lines end, from the left edge of the text.
    fn tabbed(&self, segment: &str, para: &ParaProps, start: f64, end: f64) -> String {
        if !segment.contains(TAB_MARK) {
            return segment.to_string();
        }
        let mut stops: Vec<TabStop> = para.tabs.clone().unwrap_or_default();
        let (left, hanging) = (para.left.unwrap_or(0.0), para.hanging.unwrap_or(0.0));
        if hanging > 0.0 && !stops.iter().any(|stop| (stop.position - left).abs() < 0.01) {
            stops.push(TabStop { position: left, kind: "left".into(), leader: None });
            stops.sort_by(|a, b| a.position.total_cmp(&b.position));
        }
        let stops: Vec<String> = stops
            .iter()
            .map(|stop| {
                let kind = match stop.kind.as_str() {
                    "right" | "end" | "decimal" => "right",
                    "center" => "center",
                    _ => "left",
                };
                let leader = match stop.leader {
                    Some('_') => "\"line\"".to_string(),
                    Some(leader) => string_literal(&leader.to_string()),
                    None => "none".into(),
                };
                format!("({}pt, \"{kind}\", {leader})", num(stop.position))
            })
            .collect();
        let parts: Vec<String> =
            segment.split(TAB_MARK).map(|part| format!("[{part}]")).collect();
        format!(
            "#partnerdocs-tabs({}pt, {}pt, {}pt, ({}), ({},))",
            num(start),
            num(end),
            num(self.default_tab),
            stops.iter().map(|stop| format!("{stop},")).collect::<String>(),
            parts.join(", "),
        )
    }

    /// The start of a signature line that the PDF stage turns into a signature field.
    fn signature(&mut self, name: &str, out: &mut Vec<String>) {
        let name: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
            .collect();
        if name.is_empty() {
            return;
        }
        self.signatures.push(name.clone());
        self.signature_edge(&format!("start:{name}"), out);
    }

    /// A marker at one end of a signature line, found by its label after layout.
    fn signature_edge(&mut self, edge: &str, out: &mut Vec<String>) {
        push(
            out,
            format!(
                "#box(width: 0pt, height: 0pt)[#metadata({}) <{SIGNATURE_LABEL}>]",
                string_literal(edge)
            ),
        );
    }

    /// An inline picture.
    fn drawing(&mut self, node: &Node) -> String {
        fn find<'a>(node: &'a Node, name: &str) -> Option<&'a Node> {
            if node.is(name) {
                return Some(node);
            }
            node.children().iter().find_map(|c| find(c, name))
        }
        let extent = find(node, "wp:extent");
        let emu = |name: &str| {
            extent
                .and_then(|e| attr(e, name))
                .and_then(|v| v.parse::<f64>().ok())
                .map(|v| v / 12700.0)
        };
        let (width, height) = (emu("cx").unwrap_or(72.0), emu("cy").unwrap_or(72.0));
        let target = find(node, "a:blip")
            .and_then(|b| attr(b, "r:embed"))
            .and_then(|id| self.rels.get(id))
            .cloned();
        let placeholder = |converter: &mut Self, why: String| {
            converter.warn(why);
            format!(
                "#box(width: {}pt, height: {}pt, stroke: 0.5pt + gray)",
                num(width),
                num(height)
            )
        };
        let Some((target, external)) = target else {
            return placeholder(self, "a picture without image data was left out".into());
        };
        if external {
            return placeholder(self, format!("the linked picture {target} was left out"));
        }
        let path =
            format!("word/{}", target.trim_start_matches('/').trim_start_matches("word/"));
        let Some(bytes) = self.parts.get(&path).cloned() else {
            return placeholder(
                self,
                format!("the picture {path} is missing from the document"),
            );
        };
        let extension = match bytes.get(..4) {
            Some([0x89, b'P', b'N', b'G']) => "png",
            Some([0xFF, 0xD8, 0xFF, _]) => "jpg",
            Some([b'G', b'I', b'F', b'8']) => "gif",
            _ => {
                return placeholder(
                    self,
                    format!("the picture {path} is not a PNG, JPEG or GIF image"),
                )
            }
        };
        self.images += 1;
        let name = format!("media/image{}.{extension}", self.images);
        // From the root: the typesetter may move this markup into a file in a folder.
        let path = format!("/{name}");
        self.files.insert(name, bytes);
        format!(
            "#box(image({}, width: {}pt, height: {}pt))",
            string_literal(&path),
            num(width),
            num(height)
        )
    }

    /// A table: column widths from its grid, merged cells, borders, shading, header rows.
    fn table(&mut self, node: &Node, out: &mut String) {
        self.tables += 1;
        // A table inside a cell leaves that cell's lines unmeasured.
        self.unmeasured();
        let outer_line = self.line.take();
        let tblpr = child(node, "w:tblPr");
        let mut columns: Vec<f64> = child(node, "w:tblGrid")
            .map(|g| {
                g.children()
                    .iter()
                    .filter(|c| c.is("w:gridCol"))
                    .filter_map(|c| attr(c, "w:w").and_then(twips))
                    .collect()
            })
            .unwrap_or_default();
        let rows: Vec<&Node> = node.children().iter().filter(|n| n.is("w:tr")).collect();
        let widest = rows
            .iter()
            .map(|row| {
                row.children().iter().filter(|c| c.is("w:tc")).map(span_of).sum::<usize>()
            })
            .max()
            .unwrap_or(1);
        if columns.is_empty() || columns.len() < widest {
            if columns.is_empty() {
                self.warn(format!(
                    "table {} has no column grid (w:tblGrid); its columns were given equal \
                     widths",
                    self.tables
                ));
            }
            let share = self.text_width / widest.max(1) as f64;
            columns.resize(widest.max(1), share);
        }
        let total: f64 = columns.iter().sum();
        if total > self.text_width * 1.02 {
            let scale = self.text_width / total;
            columns.iter_mut().for_each(|w| *w *= scale);
        }

        let style =
            tblpr.and_then(|p| child(p, "w:tblStyle")).and_then(|s| attr(s, "w:val"));
        let border = tblpr
            .and_then(|p| child(p, "w:tblBorders"))
            .and_then(table_border)
            .or_else(|| style.and_then(|s| self.styles.table_borders(s)));
        let margins = tblpr.and_then(|p| child(p, "w:tblCellMar"));
        let margin = |side: &str, default: f64| {
            margins
                .and_then(|m| child(m, side))
                .and_then(|n| attr(n, "w:w"))
                .and_then(twips)
                .unwrap_or(default)
        };
        let inset = (
            margin("w:top", 0.0),
            margin("w:bottom", 0.0),
            margin("w:left", 5.4),
            margin("w:right", 5.4),
        );

        // Lay out the grid: each cell's column, spans, and vertical merges.
        struct Cell<'n> {
            node: &'n Node,
            column: usize,
            colspan: usize,
            rowspan: usize,
        }
        let mut laid: Vec<Vec<Cell>> = Vec::new();
        let mut origin: HashMap<usize, (usize, usize)> = HashMap::new();
        let mut header_rows = 0;
        let mut still_header = true;
        // How many grid columns each row's cells reach, and which rows stay whole.
        let (mut covered, mut unsplit) = (Vec::new(), Vec::new());
        for (row_index, row) in rows.iter().enumerate() {
            let is_header = child(row, "w:trPr")
                .and_then(|p| child(p, "w:tblHeader"))
                .is_some_and(|h| attr(h, "w:val") != Some("0"));
            if is_header && still_header {
                header_rows += 1;
            } else {
                still_header = false;
            }
            let mut cells = Vec::new();
            let mut column = child(row, "w:trPr")
                .and_then(|p| child(p, "w:gridBefore"))
                .and_then(|g| attr(g, "w:val"))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            for cell in row.children().iter().filter(|c| c.is("w:tc")) {
                let span = span_of(cell);
                let merge = child(cell, "w:tcPr").and_then(|p| child(p, "w:vMerge"));
                let continues =
                    merge.is_some_and(|m| attr(m, "w:val").is_none_or(|v| v == "continue"));
                if continues {
                    if let Some(&(r, i)) = origin.get(&column) {
                        if let Some(origin_cell) = laid
                            .get_mut(r)
                            .and_then(|cells: &mut Vec<Cell>| cells.get_mut(i))
                        {
                            origin_cell.rowspan += 1;
                        }
                    }
                } else {
                    if merge.is_some() {
                        origin.insert(column, (row_index, cells.len()));
                    } else {
                        origin.remove(&column);
                    }
                    cells.push(Cell { node: cell, column, colspan: span, rowspan: 1 });
                }
                column += span;
            }
            laid.push(cells);
            covered.push(column);
            unsplit.push(
                child(row, "w:trPr").and_then(|p| child(p, "w:cantSplit")).is_some_and(
                    |c| attr(c, "w:val").is_none_or(|v| !matches!(v, "0" | "false")),
                ),
            );
        }

        // Each row takes the room of the border above it and the table that of the one
        // below it, as in Word; typst draws strokes over the cells, so insets make room.
        let (stroke, rule) = match &border {
            Some(Border { width, color, .. }) => {
                (format!("{}pt + rgb(\"#{color}\")", num(*width)), *width)
            }
            None => ("none".into(), 0.0),
        };
        // The table states the text formatting most of its cells start in once, and each
        // cell paragraph only how it differs: most cells of a table are set alike.
        let mut starts: Vec<(TextArgs, usize)> = Vec::new();
        for cell in laid.iter().flatten() {
            let Some(text) = self.first_paragraph_text(cell.node) else {
                continue;
            };
            match starts.iter_mut().find(|(seen, _)| *seen == text) {
                Some((_, count)) => *count += 1,
                None => starts.push((text, 1)),
            }
        }
        let most = starts.iter().map(|(_, count)| *count).max().unwrap_or(0);
        let table_text = starts
            .into_iter()
            .find(|(_, count)| *count == most)
            .map(|(text, _)| text)
            .filter(|text| *text != self.document_text);
        let outer_text = match &table_text {
            Some(text) => Some(std::mem::replace(&mut self.document_text, text.clone())),
            None => None,
        };

        // Every cell is converted first, so that the table's own bottom inset can be the
        // one most of its cells take.
        let saved_width = self.text_width;
        let spans_rows = laid.iter().flatten().any(|cell| cell.rowspan > 1);
        let mut rows: Vec<Vec<CellMarkup>> = Vec::with_capacity(laid.len());
        for (row_index, cells) in laid.iter().enumerate() {
            let mut row: Vec<CellMarkup> = Vec::with_capacity(cells.len());
            for cell in cells {
                let width = columns[cell.column.min(columns.len() - 1)
                    ..(cell.column + cell.colspan).min(columns.len())]
                    .iter()
                    .sum::<f64>();
                self.text_width = width - inset.2 - inset.3;
                row.push(self.table_cell(cell.node, cell.colspan, cell.rowspan, inset.1));
            }

            // In a row kept whole, the last paragraph's space after goes into the
            // cell's bottom inset: the same room, and nothing left over to split off.
            // When each cell also holds one line that fits, the row cannot split at
            // all, and it is set as breakable: the same page, and less work for typst.
            let whole = unsplit[row_index];
            let header = row_index < header_rows;
            let one_line =
                whole && !spans_rows && !header && row.iter().all(|c| c.one_line);
            for cell in &mut row {
                if whole {
                    cell.bottom += cell.room_below;
                    cell.room_below = 0.0;
                }
                cell.keep_whole = whole && !one_line;
            }
            rows.push(row);
        }
        self.text_width = saved_width;
        self.line = outer_line;
        let mut rules = String::new();
        if let Some(outer) = outer_text {
            let _ = write!(rules, "#set text({}); ", self.document_text.over(&outer));
            self.document_text = outer;
        }

        let bottom =
            most_common(rows.iter().flatten().map(|cell| cell.bottom)).unwrap_or(inset.1);
        let widths: Vec<String> =
            columns.iter().map(|w| format!("{}pt", num(*w))).collect();
        let sides = |bottom: f64| {
            format!(
                "(top: {}pt, bottom: {}pt, left: {}pt, right: {}pt)",
                num(inset.0 + rule),
                num(bottom),
                num(inset.2),
                num(inset.3),
            )
        };
        let _ = writeln!(
            out,
            "#block(width: 100%, inset: (bottom: {}pt))[{rules}#table(columns: ({},), stroke: {stroke}, inset: {}, align: left,",
            num(rule),
            widths.join(", "),
            sides(bottom),
        );
        for (row_index, row) in rows.iter().enumerate() {
            if row_index == 0 && header_rows > 0 {
                out.push_str("table.header(repeat: true,\n");
            }
            for cell in row {
                let _ = write!(out, "table.cell({}", cell.head);
                if num(cell.bottom) != num(bottom) {
                    let _ = write!(out, ", inset: {}", sides(cell.bottom));
                }
                if cell.keep_whole {
                    out.push_str(", breakable: false");
                }
                let _ = write!(out, ")[{}", cell.content);
                if cell.room_below > 0.0 {
                    let _ = write!(out, "#v({}pt)", num(cell.room_below));
                }
                out.push_str("],\n");
            }
            // A row that stops short of the grid's end keeps the next row off its place.
            if let Some(missing) = columns.len().checked_sub(covered[row_index]) {
                if missing > 0 {
                    let _ = writeln!(
                        out,
                        "table.cell(colspan: {missing}, stroke: none, inset: 0pt)[],"
                    );
                }
            }
            if header_rows > 0 && row_index + 1 == header_rows.min(rows.len()) {
                out.push_str("),\n");
            }
        }
        out.push_str(")]\n");
    }

    /// The text arguments of the first paragraph directly in a cell, as
    /// [`Self::paragraph`] works them out (`None` when the cell starts otherwise).
    fn first_paragraph_text(&mut self, cell: &Node) -> Option<TextArgs> {
        let paragraph = cell.children().iter().find(|n| n.is("w:p") || n.is("w:tbl"))?;
        if !paragraph.is("w:p") {
            return None;
        }
        let ppr = child(paragraph, "w:pPr");
        let style = ppr.and_then(|p| child(p, "w:pStyle")).and_then(|s| attr(s, "w:val"));
        let direct = ppr.map(para_props).unwrap_or_default();
        let (para, run) = self.styles.paragraph(style, &direct);
        Some(self.text_args(&run, line_spacing(&para)))
    }

    /// One table cell's markup, its text width already set; `bottom` is the table's
    /// bottom inset.
    fn table_cell(
        &mut self,
        node: &Node,
        colspan: usize,
        rowspan: usize,
        bottom: f64,
    ) -> CellMarkup {
        let tcpr = child(node, "w:tcPr");
        let fill = tcpr
            .and_then(|p| child(p, "w:shd"))
            .and_then(|s| attr(s, "w:fill"))
            .filter(|f| f.len() == 6 && f.chars().all(|c| c.is_ascii_hexdigit()));
        let valign =
            match tcpr.and_then(|p| child(p, "w:vAlign")).and_then(|v| attr(v, "w:val")) {
                Some("center") => "horizon",
                Some("bottom") => "bottom",
                _ => "top",
            };

        let (mut content, mut flow) = (String::new(), Flow::default());
        let outer_color = self.auto_color;
        if fill.is_some_and(is_dark) {
            self.auto_color = Some(WHITE);
        }
        self.line = Some(LineMeasure::default());
        self.blocks(node.children(), &mut flow, &mut content);
        let one_line = self.line.take().is_some_and(|line| line.is_one_line());
        self.auto_color = outer_color;

        let mut head = String::new();
        if colspan > 1 {
            let _ = write!(head, "colspan: {colspan}, ");
        }
        if rowspan > 1 {
            let _ = write!(head, "rowspan: {rowspan}, ");
        }
        let _ = write!(head, "align: {valign}");
        if let Some(fill) = fill {
            let _ = write!(head, ", fill: rgb(\"#{fill}\")");
        }
        CellMarkup {
            head,
            content,
            bottom,
            room_below: flow.room_below(),
            one_line,
            keep_whole: false,
        }
    }
}

/// A converted table cell, before the table around it is written.
struct CellMarkup {
    /// The arguments of `table.cell` besides its inset and breakability.
    head: String,
    content: String,
    /// The cell's bottom inset, in points.
    bottom: f64,
    /// The room its last paragraph keeps below it, set after the content.
    room_below: f64,
    /// Whether the cell is one paragraph on one line.
    one_line: bool,
    /// Whether the cell is marked as not breakable across pages.
    keep_whole: bool,
}

/// The value that occurs most often (the first of equals), compared as markup writes it.
fn most_common(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut counts: Vec<(String, f64, usize)> = Vec::new();
    for value in values {
        let key = num(value);
        match counts.iter_mut().find(|(k, ..)| *k == key) {
            Some((.., count)) => *count += 1,
            None => counts.push((key, value, 1)),
        }
    }
    let best = counts.iter().map(|(.., count)| *count).max()?;
    counts.into_iter().find(|(.., count)| *count == best).map(|(_, value, _)| value)
}

/// The installed family to draw `c` with when the built-in `family` has no glyph for it,
/// found once per character.
///
/// Typst falls back to a font whose character map lists `c`, and some fonts (LibreOffice's
/// `OpenSymbol`) list characters they draw no glyph for, which leaves an empty box. So the
/// family named here is one whose font has the glyph: `DejaVu Sans` first, as LibreOffice
/// falls back to it, then the others by name.
fn fallback_family(family: &'static str, c: char) -> Option<String> {
    type Found = HashMap<(&'static str, char), Option<String>>;
    static FOUND: LazyLock<Mutex<Found>> = LazyLock::new(Mutex::default);
    let mut found = FOUND.lock().unwrap_or_else(PoisonError::into_inner);
    found.entry((family, c)).or_insert_with(|| find_fallback(family, c)).clone()
}

/// Looks for a family that draws `c`, when `family` does not; see [`fallback_family`].
fn find_fallback(family: &str, c: char) -> Option<String> {
    let store = Typesetter::shared().fonts().store();
    let book = store.book();
    let draws = |index: usize| {
        book.info(index).is_some_and(|info| info.coverage.contains(u32::from(c)))
            && store.font(index).is_some_and(|font| {
                let instance = font.instantiate(
                    FontVariant::default(),
                    Abs::pt(10.0),
                    &FontVariations::default(),
                );
                instance.ttf().glyph_index(c).is_some()
            })
    };
    if book.select_family(&family.to_lowercase()).any(draws) {
        return None;
    }
    let preferred = ["dejavu sans"].into_iter().filter(|f| book.contains_family(f));
    let by_name = book.families().map(|(name, _)| name.to_lowercase());
    preferred.map(str::to_string).chain(by_name).find_map(|name| {
        let index = book.select_family(&name).find(|&index| draws(index))?;
        book.info(index).map(|info| info.family.clone())
    })
}

/// Where a paragraph's first line starts, from the left edge of the text.
fn line_start(para: &ParaProps) -> f64 {
    let left = para.left.unwrap_or(0.0);
    match para.hanging.unwrap_or(0.0) {
        hanging if hanging > 0.0 => (left - hanging).max(0.0),
        _ => left + para.first_line.unwrap_or(0.0),
    }
}

/// The room a paragraph's line spacing adds below each of its lines, for its run.
fn leading(run: &RunProps, spacing: LineSpacing) -> f64 {
    let family = family_for(run.font.as_deref().unwrap_or("Calibri"));
    line_box(family, run.size.unwrap_or(11.0), spacing).leading
}

/// White, for text in Word's automatic colour on dark shading.
const WHITE: &str = "FFFFFF";

/// What a paragraph may hold and still have its lines measured in a table cell: runs,
/// the elements that only group runs, and marks that take no room.
const MEASURED_INLINES: [&str; 10] = [
    "w:r",
    "w:pPr",
    "w:ins",
    "w:smartTag",
    "w:customXml",
    "w:proofErr",
    "w:bookmarkStart",
    "w:bookmarkEnd",
    "w:permStart",
    "w:permEnd",
];

/// Whether shading of colour `RRGGBB` is dark enough that Word sets text in its automatic
/// colour white on it, as LibreOffice judges it (luminance at most 62 of 255).
fn is_dark(color: &str) -> bool {
    let channel = |at: usize| {
        color
            .get(at..at + 2)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .unwrap_or(255)
    };
    let (r, g, b) = (f64::from(channel(0)), f64::from(channel(2)), f64::from(channel(4)));
    0.299 * r + 0.587 * g + 0.114 * b <= 62.0
}

/// A paragraph's line spacing, single when it says none.
fn line_spacing(para: &ParaProps) -> LineSpacing {
    para.line.unwrap_or(LineSpacing::Multiple(1.0))
}

/// How many grid columns a cell spans.
fn span_of(cell: &Node) -> usize {
    child(cell, "w:tcPr")
        .and_then(|p| child(p, "w:gridSpan"))
        .and_then(|g| attr(g, "w:val"))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1)
}

/// The markup for a field typst computes: page number and page count.
fn computed_field(instruction: &str) -> Option<String> {
    let name = instruction.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
    match name.as_str() {
        "PAGE" => Some("#context counter(page).display()".into()),
        "NUMPAGES" | "SECTIONPAGES" => {
            Some("#context counter(page).final().first()".into())
        }
        _ => None,
    }
}

/// Appends markup to the paragraph segment being built.
///
/// Text in the paragraph's own formatting is a bare string literal (`#"..."`); one that
/// follows another joins it, so that runs Word split (at each filled tag, say) reach
/// typst as one piece of text.
fn push(out: &mut Vec<String>, markup: String) {
    if out.is_empty() {
        out.push(String::new());
    }
    if let Some(last) = out.last_mut() {
        let joined = markup.strip_prefix("#\"").filter(|_| ends_in_literal(last));
        match joined {
            Some(rest) => {
                last.pop();
                last.push_str(rest);
            }
            None => last.push_str(&markup),
        }
    }
}

/// Whether markup ends with a bare string literal: only those end in a quote, since
/// calls end in `)` or `]` and a literal's own quotes are escaped.
fn ends_in_literal(markup: &str) -> bool {
    markup.ends_with('"')
}

/// The text of a `w:t` or `w:instrText` element, entities decoded.
fn element_text(node: &Node) -> String {
    let mut raw = String::new();
    for child in node.children() {
        if let Node::Text(text) = child {
            raw.push_str(text);
        }
    }
    quick_xml::escape::unescape(&raw).map_or(raw.clone(), |t| t.into_owned())
}

/// Where a tab sits in a paragraph's markup until the paragraph's tab stops are set.
const TAB_MARK: &str = "\u{1}tab\u{1}";

/// A typst string literal.
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A length in points, without needless digits.
fn num(value: f64) -> String {
    // In whole hundredths, so that only integers are formatted.
    let hundredths = (value * 100.0).round() as i64;
    let (whole, part) = (hundredths / 100, (hundredths % 100).unsigned_abs());
    let sign = if hundredths < 0 && whole == 0 { "-" } else { "" };
    match part {
        0 => format!("{whole}"),
        _ if part % 10 == 0 => format!("{sign}{whole}.{}", part / 10),
        _ => format!("{sign}{whole}.{part:02}"),
    }
}

/// What every document starts with, as Word sets text: no kerning, ligatures or
/// hyphenation, lines filled first-fit, no space between blocks but what the converter
/// puts there.
const PREAMBLE: &str = "#set text(top-edge: 0.9521em, bottom-edge: -0.2686em, \
    hyphenate: false, kerning: false, ligatures: false, lang: \"en\", region: \"US\")\n\
    #set par(spacing: 0pt, leading: 0pt, linebreaks: \"simple\")\n\
    #set block(spacing: 0pt)\n\
    #set table(gutter: 0pt)\n";

/// Sets the tabs of one paragraph segment: `parts` are the pieces between its tabs,
/// `stops` its tab stops as (position, kind, leader). Each tab reaches the first stop
/// past the text before it, else the next default stop; a right tab at the end of the
/// line takes all the room left, as Word's does.
pub(crate) const TABS: &str = r#"#let partnerdocs-tabs(start, end, step, stops, parts) = context {
  let out = parts.first()
  let x = start + measure(parts.first()).width
  for part in parts.slice(1) {
    let width = measure(part).width
    let stop = stops.find(s => s.at(0) > x + 0.1pt)
    if stop == none { stop = ((calc.floor(x / step + 0.01) + 1) * step, "left", none) }
    let (pos, kind, leader) = stop
    let gap = if kind == "right" { pos - x - width } else if kind == "center" {
      pos - x - width / 2
    } else { pos - x }
    let fill = kind == "right" and pos >= end - 0.5pt
    let room = if fill { 1fr } else { calc.max(gap, 0pt) }
    out += if leader == none { h(room) } else if leader == "line" {
      box(width: room, baseline: 0pt, line(length: 100%, stroke: 0.5pt))
    } else { box(width: room, repeat(leader)) }
    out += part
    x = if fill { end } else { x + calc.max(gap, 0pt) + width }
  }
  out
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_keep_two_decimals_at_most_and_no_needless_digits() {
        let cases = [
            (0.0, "0"),
            (12.0, "12"),
            (9.7, "9.7"),
            (0.05, "0.05"),
            (-2.5, "-2.5"),
            (-0.25, "-0.25"),
            (-0.001, "0"),
            (1.005, "1"),
            (10.7049, "10.7"),
            (-13.333, "-13.33"),
        ];
        for (value, written) in cases {
            assert_eq!(num(value), written, "{value}");
        }
        // The same as formatting the rounded float, over a spread of values.
        for step in -20_000..20_000 {
            let value = f64::from(step) * 0.0137;
            let rounded = (value * 100.0).round() / 100.0;
            let float = if rounded == rounded.trunc() {
                format!("{}", rounded as i64)
            } else {
                format!("{rounded}")
            };
            assert_eq!(num(value), float, "{value}");
        }
    }

    #[test]
    fn literals_escape_what_typst_reads() {
        assert_eq!(string_literal("a \"b\" \\ #c"), "\"a \\\"b\\\" \\\\ #c\"");
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.345), "12.35");
    }

    #[test]
    fn page_fields_are_computed() {
        assert!(
            computed_field(" PAGE \\* MERGEFORMAT").is_some_and(|m| m.contains("display"))
        );
        assert!(computed_field("NUMPAGES").is_some_and(|m| m.contains("final")));
        assert_eq!(computed_field("DATE"), None);
    }

    const W: &str =
        "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"";

    /// A `.docx` of the given parts (names under `word/`), a body for document.xml.
    fn docx(body: &str, parts: &[(&str, &str)]) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let document = format!("<w:document {W}><w:body>{body}</w:body></w:document>");
        let mut write = |name: &str, text: &str| {
            zip.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        };
        write("word/document.xml", &document);
        for (name, text) in parts {
            write(&format!("word/{name}"), text);
        }
        zip.finish().unwrap().into_inner()
    }

    fn paragraph(props: &str, text: &str) -> String {
        format!("<w:p><w:pPr>{props}</w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>")
    }

    fn settings(inner: &str) -> String {
        format!("<w:settings {W}>{inner}</w:settings>")
    }

    #[test]
    fn paragraphs_are_apart_by_the_larger_space_unless_word_97_spacing_is_asked_for() {
        let body = paragraph("<w:spacing w:after=\"120\"/>", "One")
            + &paragraph("<w:spacing w:before=\"240\"/>", "Two");
        let modern = settings("<w:compat/>");
        let converted = convert_docx(&docx(&body, &[("settings.xml", &modern)])).unwrap();
        assert!(converted.markup.contains("#v(12pt, weak: true)"), "{}", converted.markup);

        let old = settings("<w:compat><w:doNotUseHTMLParagraphAutoSpacing/></w:compat>");
        let converted = convert_docx(&docx(&body, &[("settings.xml", &old)])).unwrap();
        assert!(converted.markup.contains("#v(18pt, weak: true)"), "{}", converted.markup);
    }

    #[test]
    fn space_before_stays_at_the_top_of_a_page_begun_by_a_break() {
        let body = paragraph("", "One")
            + &paragraph("<w:pageBreakBefore/><w:spacing w:before=\"240\"/>", "Two");
        let converted = convert_docx(&docx(&body, &[])).unwrap();
        assert!(
            converted.markup.contains("#pagebreak(weak: true)\n#v(12pt)\n"),
            "{}",
            converted.markup
        );
    }

    #[test]
    fn endnotes_are_numbered_in_roman_and_set_after_the_text() {
        let body =
            "<w:p><w:r><w:t>Text</w:t></w:r><w:r><w:endnoteReference w:id=\"5\"/></w:r>\
                    <w:r><w:endnoteReference w:id=\"2\"/></w:r></w:p>";
        let note = |id: &str, text: &str| {
            format!(
                "<w:endnote w:id=\"{id}\"><w:p><w:r><w:endnoteRef/></w:r>\
                 <w:r><w:t>{text}</w:t></w:r></w:p></w:endnote>"
            )
        };
        let endnotes = format!(
            "<w:endnotes {W}>{}{}</w:endnotes>",
            note("2", "Second"),
            note("5", "First")
        );
        let converted = convert_docx(&docx(body, &[("endnotes.xml", &endnotes)])).unwrap();

        let markup = &converted.markup;
        let after_text = markup.rsplit_once("#pagebreak()").map(|(_, notes)| notes);
        let notes = after_text.unwrap_or_default();
        let first = notes.find("\"First\"").unwrap();
        let second = notes.find("\"Second\"").unwrap();
        assert!(first < second, "{markup}");
        // In the note's own formatting, raised.
        assert!(notes.contains("#super[#\"ii\"]"), "{markup}");
    }

    #[test]
    fn runs_state_only_how_they_differ_from_their_paragraph() {
        let run = |props: &str, text: &str| {
            format!(
                "<w:r><w:rPr>{props}</w:rPr><w:t xml:space=\"preserve\">{text}</w:t></w:r>"
            )
        };
        let plain = format!(
            "<w:p>{}{}{}</w:p>",
            run("", "Between "),
            run("", "the District"),
            run("<w:b/>", " and you")
        );
        let bold = format!(
            "<w:p><w:pPr><w:pStyle w:val=\"Strong\"/></w:pPr>{}{}</w:p>",
            run("<w:b/>", "Heading"),
            run("<w:b w:val=\"0\"/>", " plain")
        );
        let styles = format!(
            "<w:styles {W}><w:style w:type=\"paragraph\" w:styleId=\"Strong\">\
             <w:rPr><w:b/></w:rPr></w:style></w:styles>"
        );
        let converted =
            convert_docx(&docx(&format!("{plain}{bold}"), &[("styles.xml", &styles)]))
                .unwrap();
        let markup = &converted.markup;

        // The document's text is set once; runs in their paragraph's formatting join
        // into one literal, and a bold run names its weight alone.
        assert!(markup.contains("#set text(font: \"Carlito\", size: 11pt"), "{markup}");
        assert!(
            markup.contains("#par(leading: 0pt)[#\"Between the District\"#text(weight: \"bold\", \" and you\")]"),
            "{markup}"
        );
        // A paragraph's runs are set in its formatting, so a run that is not bold in a
        // bold paragraph says so.
        assert!(markup.contains("#set text(weight: \"bold\"); "), "{markup}");
        assert!(
            markup.contains("#\"Heading\"#text(weight: \"regular\", \" plain\")"),
            "{markup}"
        );
        // No paragraph here needs a block of its own.
        assert!(!markup.contains("#block("), "{markup}");
    }
}
