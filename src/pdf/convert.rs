//! Turning a filled Word document into typst markup: page setup, paragraphs, runs,
//! lists, tables, headers and footers, fields, images and links, from the document's own
//! parts.
//!
//! Lengths are worked out in points from Word's units; formatting is resolved through
//! styles.xml here, so the markup states each paragraph's and run's formatting directly.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::Read;

use crate::docx::xml::{self, Node};
use crate::pdf::fonts::family_for;
use crate::pdf::numbering::Numbering;
use crate::pdf::styles::{
    attr, child, para_props, run_props, table_border, twips, Align, Border, LineSpacing,
    ParaProps, RunProps, Styles, Theme,
};

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
}

/// The hidden text a template's `{{signature "name"}}` leaves after the signature line.
pub const SIGNATURE_MARK: &str = "partnerdocs-signature:";

/// How far above and below the baseline a line of each built-in family reaches, in em:
/// the fonts' Windows ascent and descent, which is how tall Word and LibreOffice set a line.
fn line_edges(family: &str) -> (f64, f64) {
    match family {
        "Caladea" => (1.05, 0.25),
        "Liberation Sans" => (0.9053, 0.2119),
        "Liberation Serif" => (0.8911, 0.2163),
        "Liberation Mono" => (0.8325, 0.3003),
        _ => (0.9521, 0.2686),
    }
}

/// The height of one single-spaced line of `run`'s font, in em.
fn line_em(run: &RunProps) -> f64 {
    let (top, bottom) = line_edges(family_for(run.font.as_deref().unwrap_or("Calibri")));
    top + bottom
}

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
    /// The rels of the part being converted (document, a header, a footer).
    rels: HashMap<String, (String, bool)>,
    field: Field,
    text_width: f64,
    images: usize,
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
        let default_tab = settings
            .iter()
            .flat_map(|n| n.children())
            .find(|n| n.is("w:defaultTabStop"))
            .and_then(|n| attr(n, "w:val"))
            .and_then(twips)
            .unwrap_or(36.0);
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
            field: Field::None,
            text_width: 468.0,
            images: 0,
        })
    }

    fn warn(&mut self, message: impl Into<String>) {
        self.warnings.insert(message.into());
    }

    fn convert(&mut self) -> Result<Converted, String> {
        let document = parse_part(&self.parts, "word/document.xml", &mut self.warnings);
        let body = document
            .iter()
            .find(|n| n.is("w:document"))
            .and_then(|d| child(d, "w:body"))
            .ok_or("the document has no body")?
            .clone();

        // Split the body into sections: a paragraph holding w:sectPr ends one.
        let mut sections: Vec<(Vec<Node>, Option<Node>)> = Vec::new();
        let mut current = Vec::new();
        for node in body.children() {
            if node.is("w:sectPr") {
                sections.push((std::mem::take(&mut current), Some(node.clone())));
                continue;
            }
            let section_end = node
                .is("w:p")
                .then(|| child(node, "w:pPr").and_then(|p| child(p, "w:sectPr")).cloned())
                .flatten();
            current.push(node.clone());
            if let Some(properties) = section_end {
                sections.push((std::mem::take(&mut current), Some(properties)));
            }
        }
        if !current.is_empty() {
            sections.push((current, None));
        }

        let mut markup = String::with_capacity(64 * 1024);
        markup.push_str(PREAMBLE);
        for (index, (blocks, properties)) in sections.iter().enumerate() {
            let page = properties.as_ref().map(|p| self.page(p)).unwrap_or_default();
            if index > 0 {
                markup.push_str("#pagebreak(weak: true)\n");
            }
            self.text_width = (page.width - page.left - page.right).max(72.0);
            markup.push_str(&self.page_rule(&page));
            self.rels = self.document_rels.clone();
            self.blocks(blocks, &mut markup);
        }
        let endnotes: Vec<Node> = {
            let mut ids: Vec<&String> = self.endnotes.keys().collect();
            ids.sort_by_key(|id| id.parse::<i64>().unwrap_or(0));
            ids.into_iter().filter_map(|id| self.endnotes.get(id).cloned()).collect()
        };
        if !endnotes.is_empty() && markup.contains("/*endnote*/") {
            markup.push_str("#line(length: 30%, stroke: 0.5pt)\n");
            for note in endnotes {
                self.blocks(note.children(), &mut markup);
            }
        }
        Ok(Converted {
            markup,
            files: std::mem::take(&mut self.files),
            warnings: self.warnings.iter().cloned().collect(),
            signatures: std::mem::take(&mut self.signatures),
        })
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

    /// `#set page(...)` for a section, with its headers and footers.
    fn page_rule(&mut self, page: &Page) -> String {
        let header = self.story(&page.headers, page, true);
        let footer = self.story(&page.footers, page, false);
        format!(
            "#set page(width: {}pt, height: {}pt, margin: (top: {}pt, bottom: {}pt, left: {}pt, \
             right: {}pt), header-ascent: 0pt, footer-descent: 0pt, header: {header}, footer: {footer})\n",
            num(page.width),
            num(page.height),
            num(page.top),
            num(page.bottom),
            num(page.left),
            num(page.right),
        )
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
            let mut content = String::new();
            for root in &nodes {
                self.blocks(root.children(), &mut content);
            }
            self.rels = saved;
            variants.insert(kind.clone(), content);
        }
        let Some(default) = variants.get("default").cloned() else {
            return "none".into();
        };
        let room = if header { page.top - page.header } else { page.bottom - page.footer };
        let align = if header { "top" } else { "bottom" };
        let wrap = |content: &str| {
            format!(
                "block(width: 100%, height: {}pt)[#align({align})[{content}]]",
                num(room.max(0.0))
            )
        };
        let mut choice = String::from("context {\n");
        let _ = writeln!(choice, "let n = counter(page).get().first()");
        if let Some(first) = variants.get("first").filter(|_| page.title_page) {
            let _ = writeln!(choice, "if n == 1 {{ {} }} else", wrap(first));
        }
        if let Some(even) = variants.get("even") {
            let _ = writeln!(choice, "if calc.even(n) {{ {} }} else", wrap(even));
        }
        let _ = write!(choice, "{{ {} }}\n}}", wrap(&default));
        choice
    }

    /// Paragraphs and tables, in order.
    fn blocks(&mut self, nodes: &[Node], out: &mut String) {
        let mut previous_style: Option<String> = None;
        for (index, node) in nodes.iter().enumerate() {
            match node.name().unwrap_or_default() {
                "w:p" => {
                    let next_style = nodes[index + 1..]
                        .iter()
                        .find(|n| n.is("w:p") || n.is("w:tbl"))
                        .and_then(|n| child(n, "w:pPr"))
                        .and_then(|p| child(p, "w:pStyle"))
                        .and_then(|s| attr(s, "w:val"))
                        .map(str::to_string);
                    let style = self.paragraph(
                        node,
                        previous_style.as_deref(),
                        next_style.as_deref(),
                        out,
                    );
                    previous_style = Some(style);
                }
                "w:tbl" => {
                    self.table(node, out);
                    previous_style = None;
                }
                "w:sdt" => {
                    if let Some(content) = child(node, "w:sdtContent") {
                        self.blocks(content.children(), out);
                    }
                }
                "w:customXml" | "w:ins" | "w:smartTag" => self.blocks(node.children(), out),
                _ => {}
            }
        }
    }

    /// One paragraph; returns its style id, for contextual spacing.
    fn paragraph(
        &mut self,
        node: &Node,
        previous: Option<&str>,
        next: Option<&str>,
        out: &mut String,
    ) -> String {
        let ppr = child(node, "w:pPr");
        let style = ppr
            .and_then(|p| child(p, "w:pStyle"))
            .and_then(|s| attr(s, "w:val"))
            .map(str::to_string);
        if let Some(id) = style.as_deref().filter(|id| !self.styles.has(id)) {
            self.warn(format!(
                "the paragraph style `{id}` is not defined; the default style is used"
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
                label_run.font = run.font.clone();
                label = self.numbering.next_label(&id, level).map(|text| (text, label_run));
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

        // Runs, split where a page break sits inside the paragraph.
        let mut segments = vec![String::new()];
        self.inlines(node.children(), &run, &para, &mut segments);
        if para.page_break_before == Some(true) {
            out.push_str("#pagebreak(weak: true)\n");
        }
        let last = segments.len() - 1;
        for (index, content) in segments.into_iter().enumerate() {
            if index > 0 {
                out.push_str("#pagebreak()\n");
            }
            let mut piece = para.clone();
            if index > 0 {
                piece.before = Some(0.0);
            }
            if index < last {
                piece.after = Some(0.0);
            }
            let label = if index == 0 { label.as_ref() } else { None };
            self.paragraph_block(&piece, &run, label, &content, out);
        }
        style_id
    }

    /// The block that sets one paragraph with its spacing, indents and alignment.
    fn paragraph_block(
        &mut self,
        para: &ParaProps,
        run: &RunProps,
        label: Option<&(String, RunProps)>,
        content: &str,
        out: &mut String,
    ) {
        let size = run.size.unwrap_or(11.0);
        let content = if content.trim().is_empty() && label.is_none() {
            format!("#text(size: {}pt, \"\\u{{200b}}\")", num(size))
        } else {
            content.to_string()
        };
        let line = line_em(run) * size;
        let leading = match para.line.unwrap_or(LineSpacing::Multiple(1.0)) {
            LineSpacing::Multiple(m) => (m - 1.0).max(0.0) * line,
            LineSpacing::Exact(pt) | LineSpacing::AtLeast(pt) => (pt - line).max(0.0),
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
        // A border sits just outside the text; the paragraph's spacing lies beyond it.
        let mut stroke = Vec::new();
        for (side, border) in [("bottom", &para.border_bottom), ("top", &para.border_top)] {
            if let Some(Border { width, color }) = border {
                stroke.push(format!("{side}: {}pt + rgb(\"#{color}\")", num(*width)));
            }
        }
        let _ = write!(
            out,
            "#block(width: 100%, above: 0pt, below: 0pt, breakable: true, sticky: {}, inset: (top: {}pt, bottom: {}pt))[",
            para.keep_next == Some(true),
            num(para.before.unwrap_or(0.0)),
            num(para.after.unwrap_or(0.0)),
        );
        let _ = write!(
            out,
            "#block(width: 100%, above: 0pt, below: 0pt, breakable: true{}{}{})[",
            if stroke.is_empty() {
                String::new()
            } else {
                format!(", stroke: ({})", stroke.join(", "))
            },
            if stroke.is_empty() { "" } else { ", inset: (bottom: 2pt)" },
            para.shading
                .as_ref()
                .map(|fill| format!(", fill: rgb(\"#{fill}\")"))
                .unwrap_or_default(),
        );
        let _ = write!(
            out,
            "#set par(justify: {}, leading: {}pt, spacing: 0pt); #set text({}); #set align({align}); ",
            para.align == Some(Align::Justify),
            num(leading),
            self.text_args(run),
        );
        match label {
            Some((text, label_run)) => {
                let gap = if hanging > 0.0 { hanging } else { self.default_tab };
                let _ = write!(
                    out,
                    "#pad(left: {}pt, right: {}pt)[#grid(columns: ({}pt, 1fr), [{}], [{content}])]",
                    num((left - gap).max(0.0)),
                    num(right),
                    num(gap),
                    self.text_call(label_run, text),
                );
            }
            None if hanging > 0.0 => {
                let _ = write!(
                    out,
                    "#pad(left: {}pt, right: {}pt)[#set par(hanging-indent: {}pt); {content}]",
                    num((left - hanging).max(0.0)),
                    num(right),
                    num(hanging),
                );
            }
            None => {
                let _ = write!(
                    out,
                    "#pad(left: {}pt, right: {}pt)[#set par(first-line-indent: (amount: {}pt, all: true)); {content}]",
                    num(left),
                    num(right),
                    num(first),
                );
            }
        }
        out.push_str("]]\n");
    }

    /// The arguments of `text()` for a run's formatting (font, size, weight, style, colour).
    fn text_args(&mut self, run: &RunProps) -> String {
        let word_font = run.font.clone().unwrap_or_else(|| "Calibri".into());
        let family = family_for(&word_font);
        if family == crate::pdf::FALLBACK_FAMILY
            && !word_font.eq_ignore_ascii_case("calibri")
            && !word_font.eq_ignore_ascii_case(family)
            && !word_font.to_ascii_lowercase().starts_with("calibri")
        {
            self.warn(format!("no font stands in for `{word_font}`; {family} is used"));
        }
        let (top, bottom) = line_edges(family);
        let mut args = format!(
            "font: \"{family}\", size: {}pt, top-edge: {top}em, bottom-edge: -{bottom}em",
            num(run.size.unwrap_or(11.0))
        );
        if run.bold == Some(true) {
            args.push_str(", weight: \"bold\"");
        }
        if run.italic == Some(true) {
            args.push_str(", style: \"italic\"");
        }
        if let Some(color) =
            run.color.as_deref().filter(|c| !c.eq_ignore_ascii_case("auto"))
        {
            let _ = write!(args, ", fill: rgb(\"#{color}\")");
        }
        args
    }

    /// A run of text with its formatting.
    fn text_call(&mut self, run: &RunProps, text: &str) -> String {
        let mut text = text.to_string();
        if run.caps == Some(true) {
            text = text.to_uppercase();
        }
        let mut call = format!("#text({}, {})", self.text_args(run), string_literal(&text));
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
            match node.name().unwrap_or_default() {
                "w:r" => self.run(node, paragraph_run, para, out),
                "w:hyperlink" => {
                    let target = attr(node, "r:id")
                        .and_then(|id| self.rels.get(id))
                        .map(|(t, _)| t.clone());
                    let mut inner = vec![String::new()];
                    self.inlines(node.children(), paragraph_run, para, &mut inner);
                    let content = inner.concat();
                    let current = out.last_mut();
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
            match part.name().unwrap_or_default() {
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
                    if run.hidden == Some(true) {
                        if let Some(name) = text.strip_prefix(SIGNATURE_MARK) {
                            self.signature(name.trim(), out);
                        }
                        continue;
                    }
                    let call = self.text_call(&run, &text);
                    push(out, call);
                }
                "w:tab" => {
                    let tab = self.tab(para);
                    push(out, tab);
                }
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
                    let call = self.text_call(&run, &symbol.to_string());
                    push(out, call);
                }
                "w:drawing" => {
                    let image = self.drawing(part);
                    push(out, image);
                }
                "w:pict" | "w:object" => {
                    self.warn("an old-style (VML) picture was left out")
                }
                "w:footnoteReference" | "w:endnoteReference" => {
                    let id = attr(part, "w:id").unwrap_or_default().to_string();
                    let note = if part.is("w:footnoteReference") {
                        self.footnotes.get(&id).cloned()
                    } else {
                        self.endnotes.get(&id).cloned()
                    };
                    if let Some(note) = note {
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
                        push(out, format!("#footnote[{}]", inner.concat()));
                    }
                }
                _ => {}
            }
        }
    }

    /// A tab: to the right margin (with its leader) when the paragraph has a right tab stop,
    /// else the default tab width.
    fn tab(&mut self, para: &ParaProps) -> String {
        let stops = para.tabs.clone().unwrap_or_default();
        if let Some(stop) =
            stops.iter().find(|s| matches!(s.kind.as_str(), "right" | "end"))
        {
            return match stop.leader {
                Some('_') => {
                    "#box(width: 1fr, baseline: 0pt, line(length: 100%, stroke: 0.5pt))"
                        .into()
                }
                Some(leader) => format!(
                    "#box(width: 1fr, repeat({}))",
                    string_literal(&leader.to_string())
                ),
                None => "#h(1fr)".into(),
            };
        }
        if let Some(stop) = stops.iter().find(|s| s.kind == "center") {
            let _ = stop;
            return "#h(1fr)".into();
        }
        format!("#h({}pt)", num(self.default_tab))
    }

    /// A signature line that the PDF stage turns into a signature field.
    fn signature(&mut self, name: &str, out: &mut Vec<String>) {
        let name: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
            .collect();
        if name.is_empty() {
            return;
        }
        self.signatures.push(name.clone());
        push(
            out,
            format!(
                "#box(width: 0pt, height: 0pt)[#metadata({}) <partnerdocs-signature>]",
                string_literal(&name)
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
        self.files.insert(name.clone(), bytes);
        format!(
            "#box(image({}, width: {}pt, height: {}pt))",
            string_literal(&name),
            num(width),
            num(height)
        )
    }

    /// A table: column widths from its grid, merged cells, borders, shading, header rows.
    fn table(&mut self, node: &Node, out: &mut String) {
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
                self.warn("a table has no column grid; its columns are set equally wide");
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
            header: bool,
        }
        let mut laid: Vec<Vec<Cell>> = Vec::new();
        let mut origin: HashMap<usize, (usize, usize)> = HashMap::new();
        let mut header_rows = 0;
        let mut still_header = true;
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
                    cells.push(Cell {
                        node: cell,
                        column,
                        colspan: span,
                        rowspan: 1,
                        header: is_header && still_header,
                    });
                }
                column += span;
            }
            laid.push(cells);
        }

        let stroke = match &border {
            Some(Border { width, color }) => {
                format!("{}pt + rgb(\"#{color}\")", num(*width))
            }
            None => "none".into(),
        };
        let widths: Vec<String> =
            columns.iter().map(|w| format!("{}pt", num(*w))).collect();
        let _ = writeln!(
            out,
            "#block(width: 100%, above: 0pt, below: 0pt)[#table(columns: ({},), stroke: {stroke}, inset: (top: {}pt, bottom: {}pt, left: {}pt, right: {}pt), align: left,",
            widths.join(", "),
            num(inset.0),
            num(inset.1),
            num(inset.2),
            num(inset.3),
        );
        let saved_width = self.text_width;
        let mut in_header = false;
        for (row_index, cells) in laid.iter().enumerate() {
            if row_index == 0 && header_rows > 0 {
                out.push_str("table.header(repeat: true,\n");
                in_header = true;
            }
            for cell in cells {
                let tcpr = child(cell.node, "w:tcPr");
                let fill = tcpr
                    .and_then(|p| child(p, "w:shd"))
                    .and_then(|s| attr(s, "w:fill"))
                    .filter(|f| f.len() == 6 && f.chars().all(|c| c.is_ascii_hexdigit()));
                let valign = match tcpr
                    .and_then(|p| child(p, "w:vAlign"))
                    .and_then(|v| attr(v, "w:val"))
                {
                    Some("center") => "horizon",
                    Some("bottom") => "bottom",
                    _ => "top",
                };
                self.text_width = columns[cell.column.min(columns.len() - 1)
                    ..(cell.column + cell.colspan).min(columns.len())]
                    .iter()
                    .sum::<f64>()
                    - inset.2
                    - inset.3;
                let mut content = String::new();
                self.blocks(cell.node.children(), &mut content);
                let _ = cell.header;
                let _ = writeln!(
                    out,
                    "table.cell(colspan: {}, rowspan: {}, align: {valign}{})[{content}],",
                    cell.colspan,
                    cell.rowspan,
                    fill.map(|f| format!(", fill: rgb(\"#{f}\")")).unwrap_or_default(),
                );
            }
            if in_header && row_index + 1 == header_rows {
                out.push_str("),\n");
                in_header = false;
            }
        }
        if in_header {
            out.push_str("),\n");
        }
        self.text_width = saved_width;
        out.push_str(")]\n");
    }
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
fn push(out: &mut Vec<String>, markup: String) {
    if out.is_empty() {
        out.push(String::new());
    }
    if let Some(last) = out.last_mut() {
        last.push_str(&markup);
    }
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
    let rounded = (value * 100.0).round() / 100.0;
    if rounded == rounded.trunc() {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded}")
    }
}

/// What every document starts with: lines as tall as Word sets them, no extra spacing.
const PREAMBLE: &str = "#set text(top-edge: 0.9521em, bottom-edge: -0.2686em, \
    hyphenate: false, lang: \"en\", region: \"US\")\n\
    #set par(spacing: 0pt, leading: 0pt)\n\
    #set block(spacing: 0pt)\n\
    #set table(gutter: 0pt)\n";

#[cfg(test)]
mod tests {
    use super::*;

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
}
