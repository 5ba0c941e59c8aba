//! Word's paragraph and run formatting, resolved through styles.xml: document defaults,
//! then the style chain (`basedOn`), then the direct formatting on the paragraph or run.

use std::collections::HashMap;

use crate::docx::xml::Node;

/// How a paragraph's lines are aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
    Justify,
}

/// Line spacing as Word stores it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LineSpacing {
    /// A multiple of single spacing (1.0 is single).
    Multiple(f64),
    /// An exact line height in points.
    Exact(f64),
    /// At least this many points.
    AtLeast(f64),
}

/// A border line: width and distance from the text in points, colour as `RRGGBB`.
#[derive(Debug, Clone, PartialEq)]
pub struct Border {
    pub width: f64,
    pub color: String,
    /// How far the line sits from the text it borders (`w:space`).
    pub space: f64,
}

/// Character formatting; `None` means "not said here".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunProps {
    pub bold: Option<bool>,
    pub italic: Option<bool>,
    pub underline: Option<bool>,
    pub strike: Option<bool>,
    pub caps: Option<bool>,
    pub small_caps: Option<bool>,
    pub hidden: Option<bool>,
    /// Font size in points.
    pub size: Option<f64>,
    /// Colour as `RRGGBB`.
    pub color: Option<String>,
    /// Word's font name.
    pub font: Option<String>,
    /// Highlight colour as `RRGGBB`.
    pub highlight: Option<String>,
    /// Raised or lowered: `superscript` or `subscript`.
    pub vertical: Option<String>,
    /// Kerning applies from this font size up, in points (`w:kern`); none when unset.
    pub kern: Option<f64>,
}

/// Paragraph formatting; `None` means "not said here". Lengths are in points.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParaProps {
    pub align: Option<Align>,
    pub before: Option<f64>,
    pub after: Option<f64>,
    pub line: Option<LineSpacing>,
    pub left: Option<f64>,
    pub right: Option<f64>,
    pub first_line: Option<f64>,
    pub hanging: Option<f64>,
    pub keep_next: Option<bool>,
    /// Whether the paragraph's lines stay on one page (`w:keepLines`).
    pub keep_lines: Option<bool>,
    /// Whether a page never starts or ends with one line of the paragraph
    /// (`w:widowControl`, on when never said).
    pub widow_control: Option<bool>,
    pub page_break_before: Option<bool>,
    pub contextual: Option<bool>,
    /// List membership: numbering instance and level.
    pub numbering: Option<(String, usize)>,
    pub border_bottom: Option<Border>,
    pub border_top: Option<Border>,
    pub shading: Option<String>,
    /// Tab stops: position in points and whether right-aligned, with a leader character.
    pub tabs: Option<Vec<TabStop>>,
}

/// A tab stop.
#[derive(Debug, Clone, PartialEq)]
pub struct TabStop {
    /// From the left edge of the text, in points.
    pub position: f64,
    /// `left`, `center`, `right`, `decimal`, ... or `clear` (removes a stop set before).
    pub kind: String,
    pub leader: Option<char>,
}

macro_rules! merge_fields {
    ($into:expr, $over:expr, $($field:ident),*) => {
        $( if $over.$field.is_some() { $into.$field = $over.$field.clone(); } )*
    };
}

impl RunProps {
    /// Lays `over` on top of these properties.
    pub fn merge(&mut self, over: &RunProps) {
        merge_fields!(
            self, over, bold, italic, underline, strike, caps, small_caps, hidden, size,
            color, font, highlight, vertical, kern
        );
    }
}

impl ParaProps {
    /// Lays `over` on top of these properties.
    pub fn merge(&mut self, over: &ParaProps) {
        merge_fields!(
            self,
            over,
            align,
            before,
            after,
            line,
            left,
            right,
            first_line,
            hanging,
            keep_next,
            keep_lines,
            widow_control,
            page_break_before,
            contextual,
            numbering,
            border_bottom,
            border_top,
            shading
        );
        // Tab stops add up along the style chain; a `clear` stop removes one set before.
        if let Some(over_tabs) = &over.tabs {
            let mut tabs = self.tabs.take().unwrap_or_default();
            for stop in over_tabs {
                tabs.retain(|tab| (tab.position - stop.position).abs() > 0.01);
                if stop.kind != "clear" {
                    tabs.push(stop.clone());
                }
            }
            tabs.sort_by(|a, b| a.position.total_cmp(&b.position));
            self.tabs = Some(tabs);
        }
        if over.first_line.is_some() {
            self.hanging = over.hanging;
        }
        if over.hanging.is_some() {
            self.first_line = over.first_line;
        }
    }
}

/// The value of attribute `name` (e.g. `w:val`) in an element's start tag.
pub fn attr<'a>(node: &'a Node, name: &str) -> Option<&'a str> {
    let tag = match node {
        Node::Element { tag, .. } | Node::Empty { tag } => tag.as_str(),
        _ => return None,
    };
    let mut rest = tag;
    while let Some(at) = rest.find(name) {
        let before_ok = at == 0 || rest.as_bytes()[at - 1].is_ascii_whitespace();
        let after = &rest[at + name.len()..];
        let after_trimmed = after.trim_start();
        if before_ok && after_trimmed.starts_with('=') {
            let value = after_trimmed[1..].trim_start();
            let quote = value.chars().next()?;
            if quote == '"' || quote == '\'' {
                let end = value[1..].find(quote)?;
                return Some(&value[1..1 + end]);
            }
        }
        rest = after;
    }
    None
}

/// The first child element named `name`.
pub fn child<'a>(node: &'a Node, name: &str) -> Option<&'a Node> {
    node.children().iter().find(|n| n.is(name))
}

/// Twentieths of a point (twips) as points.
pub fn twips(value: &str) -> Option<f64> {
    value.trim().parse::<f64>().ok().map(|v| v / 20.0)
}

/// A Word on/off property: present means on unless `w:val` says false.
fn toggle(node: &Node) -> bool {
    !matches!(attr(node, "w:val"), Some("0" | "false" | "off" | "none"))
}

/// Reads a `w:rPr` element.
pub fn run_props(rpr: &Node, theme: &Theme) -> RunProps {
    let mut props = RunProps::default();
    for node in rpr.children() {
        match node.name().unwrap_or_default() {
            "w:b" => props.bold = Some(toggle(node)),
            "w:i" => props.italic = Some(toggle(node)),
            "w:u" => {
                props.underline = Some(attr(node, "w:val").is_none_or(|v| v != "none"))
            }
            "w:strike" | "w:dstrike" => props.strike = Some(toggle(node)),
            "w:caps" => props.caps = Some(toggle(node)),
            "w:smallCaps" => props.small_caps = Some(toggle(node)),
            "w:vanish" => props.hidden = Some(toggle(node)),
            "w:sz" => {
                props.size =
                    attr(node, "w:val").and_then(|v| v.parse::<f64>().ok()).map(|v| v / 2.0)
            }
            "w:color" => {
                props.color = attr(node, "w:val").filter(|v| is_hex(v)).map(str::to_string)
            }
            "w:highlight" => {
                props.highlight =
                    attr(node, "w:val").and_then(highlight_color).map(str::to_string)
            }
            "w:shd" => {
                if let Some(fill) = attr(node, "w:fill").filter(|v| is_hex(v)) {
                    props.highlight = Some(fill.to_string());
                }
            }
            "w:vertAlign" => props.vertical = attr(node, "w:val").map(str::to_string),
            "w:kern" => {
                props.kern =
                    attr(node, "w:val").and_then(|v| v.parse::<f64>().ok()).map(|v| v / 2.0)
            }
            "w:rFonts" => {
                let direct = attr(node, "w:ascii").or_else(|| attr(node, "w:hAnsi"));
                let themed =
                    attr(node, "w:asciiTheme").or_else(|| attr(node, "w:hAnsiTheme"));
                props.font = match (direct, themed) {
                    (_, Some(theme_font)) => Some(theme.font(theme_font).to_string()),
                    (Some(font), None) => Some(font.to_string()),
                    (None, None) => None,
                };
            }
            _ => {}
        }
    }
    props
}

fn is_hex(value: &str) -> bool {
    value.len() == 6 && value.chars().all(|c| c.is_ascii_hexdigit())
}

/// Word's named highlight colours.
fn highlight_color(name: &str) -> Option<&'static str> {
    Some(match name {
        "yellow" => "FFFF00",
        "green" => "00FF00",
        "cyan" => "00FFFF",
        "magenta" => "FF00FF",
        "blue" => "0000FF",
        "red" => "FF0000",
        "darkBlue" => "000080",
        "darkCyan" => "008080",
        "darkGreen" => "008000",
        "darkMagenta" => "800080",
        "darkRed" => "800000",
        "darkYellow" => "808000",
        "darkGray" => "808080",
        "lightGray" => "C0C0C0",
        "black" => "000000",
        _ => return None,
    })
}

fn border(node: &Node) -> Option<Border> {
    let value = attr(node, "w:val").unwrap_or("single");
    if matches!(value, "none" | "nil") {
        return None;
    }
    let width =
        attr(node, "w:sz").and_then(|v| v.parse::<f64>().ok()).map_or(0.5, |v| v / 8.0);
    let color = attr(node, "w:color").filter(|v| is_hex(v)).unwrap_or("000000");
    let space = attr(node, "w:space").and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    Some(Border { width: width.max(0.25), color: color.to_string(), space })
}

/// Reads a `w:pPr` element.
pub fn para_props(ppr: &Node) -> ParaProps {
    let mut props = ParaProps::default();
    for node in ppr.children() {
        match node.name().unwrap_or_default() {
            "w:jc" => {
                props.align = attr(node, "w:val").map(|v| match v {
                    "center" => Align::Center,
                    "right" | "end" => Align::Right,
                    "both" | "distribute" => Align::Justify,
                    _ => Align::Left,
                })
            }
            "w:spacing" => {
                props.before = attr(node, "w:before").and_then(twips).or(props.before);
                props.after = attr(node, "w:after").and_then(twips).or(props.after);
                if let Some(line) = attr(node, "w:line").and_then(|v| v.parse::<f64>().ok())
                {
                    props.line = Some(match attr(node, "w:lineRule") {
                        Some("exact") => LineSpacing::Exact(line / 20.0),
                        Some("atLeast") => LineSpacing::AtLeast(line / 20.0),
                        _ => LineSpacing::Multiple(line / 240.0),
                    });
                }
            }
            "w:ind" => {
                props.left = attr(node, "w:left")
                    .or_else(|| attr(node, "w:start"))
                    .and_then(twips)
                    .or(props.left);
                props.right = attr(node, "w:right")
                    .or_else(|| attr(node, "w:end"))
                    .and_then(twips)
                    .or(props.right);
                if let Some(first) = attr(node, "w:firstLine").and_then(twips) {
                    props.first_line = Some(first);
                    props.hanging = Some(0.0);
                }
                if let Some(hanging) = attr(node, "w:hanging").and_then(twips) {
                    props.hanging = Some(hanging);
                    props.first_line = Some(0.0);
                }
            }
            "w:keepNext" => props.keep_next = Some(toggle(node)),
            "w:keepLines" => props.keep_lines = Some(toggle(node)),
            "w:widowControl" => props.widow_control = Some(toggle(node)),
            "w:pageBreakBefore" => props.page_break_before = Some(toggle(node)),
            "w:contextualSpacing" => props.contextual = Some(toggle(node)),
            "w:numPr" => {
                let id = child(node, "w:numId").and_then(|n| attr(n, "w:val"));
                let level = child(node, "w:ilvl")
                    .and_then(|n| attr(n, "w:val"))
                    .and_then(|v| v.parse().ok());
                if let Some(id) = id {
                    props.numbering = Some((id.to_string(), level.unwrap_or(0)));
                }
            }
            "w:pBdr" => {
                props.border_bottom = child(node, "w:bottom").and_then(border);
                props.border_top = child(node, "w:top").and_then(border);
            }
            "w:shd" => {
                props.shading =
                    attr(node, "w:fill").filter(|v| is_hex(v)).map(str::to_string)
            }
            "w:tabs" => {
                let stops = node
                    .children()
                    .iter()
                    .filter(|tab| tab.is("w:tab"))
                    .filter_map(|tab| {
                        Some(TabStop {
                            position: attr(tab, "w:pos").and_then(twips)?,
                            kind: attr(tab, "w:val").unwrap_or("left").to_string(),
                            leader: match attr(tab, "w:leader") {
                                Some("dot") => Some('.'),
                                Some("hyphen") => Some('-'),
                                Some("underscore") | Some("heavy") => Some('_'),
                                Some("middleDot") => Some('·'),
                                _ => None,
                            },
                        })
                    })
                    .collect();
                props.tabs = Some(stops);
            }
            _ => {}
        }
    }
    props
}

/// The theme's major and minor fonts.
#[derive(Debug, Clone)]
pub struct Theme {
    pub major: String,
    pub minor: String,
}

impl Default for Theme {
    fn default() -> Self {
        Theme { major: "Calibri Light".into(), minor: "Calibri".into() }
    }
}

impl Theme {
    /// Reads `word/theme/theme1.xml`.
    pub fn from_nodes(nodes: &[Node]) -> Theme {
        let mut theme = Theme::default();
        fn find<'a>(nodes: &'a [Node], name: &str) -> Option<&'a Node> {
            for node in nodes {
                if node.is(name) {
                    return Some(node);
                }
                if let Some(found) = find(node.children(), name) {
                    return Some(found);
                }
            }
            None
        }
        let latin = |scheme: &str| {
            find(nodes, scheme)
                .and_then(|n| child(n, "a:latin"))
                .and_then(|n| attr(n, "typeface"))
                .filter(|f| !f.is_empty())
                .map(str::to_string)
        };
        if let Some(major) = latin("a:majorFont") {
            theme.major = major;
        }
        if let Some(minor) = latin("a:minorFont") {
            theme.minor = minor;
        }
        theme
    }

    /// The font a theme reference like `minorHAnsi` names.
    pub fn font(&self, reference: &str) -> &str {
        if reference.starts_with("major") {
            &self.major
        } else {
            &self.minor
        }
    }
}

/// One style of styles.xml.
#[derive(Debug, Clone, Default)]
struct Style {
    based_on: Option<String>,
    para: ParaProps,
    run: RunProps,
    table_borders: Option<Border>,
}

/// The styles of a document, with its defaults.
#[derive(Debug, Clone, Default)]
pub struct Styles {
    styles: HashMap<String, Style>,
    default_paragraph: Option<String>,
    default_character: Option<String>,
    defaults_para: ParaProps,
    defaults_run: RunProps,
    pub theme: Theme,
}

impl Styles {
    /// Reads styles.xml (its top-level nodes).
    pub fn from_nodes(nodes: &[Node], theme: Theme) -> Styles {
        let mut styles = Styles { theme, ..Styles::default() };
        let Some(root) = nodes.iter().find(|n| n.is("w:styles")) else {
            return styles;
        };
        for node in root.children() {
            if node.is("w:docDefaults") {
                let rpr = child(node, "w:rPrDefault").and_then(|n| child(n, "w:rPr"));
                let ppr = child(node, "w:pPrDefault").and_then(|n| child(n, "w:pPr"));
                if let Some(rpr) = rpr {
                    styles.defaults_run = run_props(rpr, &styles.theme);
                }
                if let Some(ppr) = ppr {
                    styles.defaults_para = para_props(ppr);
                }
            } else if node.is("w:style") {
                let Some(id) = attr(node, "w:styleId") else {
                    continue;
                };
                let kind = attr(node, "w:type").unwrap_or("paragraph");
                if attr(node, "w:default").is_some_and(|d| d == "1" || d == "true") {
                    match kind {
                        "paragraph" => styles.default_paragraph = Some(id.to_string()),
                        "character" => styles.default_character = Some(id.to_string()),
                        _ => {}
                    }
                }
                let style = Style {
                    based_on: child(node, "w:basedOn")
                        .and_then(|n| attr(n, "w:val"))
                        .map(str::to_string),
                    para: child(node, "w:pPr").map(para_props).unwrap_or_default(),
                    run: child(node, "w:rPr")
                        .map(|n| run_props(n, &styles.theme))
                        .unwrap_or_default(),
                    table_borders: child(node, "w:tblPr")
                        .and_then(|n| child(n, "w:tblBorders"))
                        .and_then(table_border),
                };
                styles.styles.insert(id.to_string(), style);
            }
        }
        styles
    }

    /// The chain of styles from the root down to `id` (at most 20 deep, cycles cut).
    fn chain(&self, id: &str) -> Vec<&Style> {
        let mut chain = Vec::new();
        let mut next = Some(id.to_string());
        while let Some(id) = next {
            match self.styles.get(&id) {
                Some(style) if chain.len() < 20 => {
                    chain.push(style);
                    next = style.based_on.clone();
                }
                _ => break,
            }
        }
        chain.reverse();
        chain
    }

    /// Whether a style exists.
    pub fn has(&self, id: &str) -> bool {
        self.styles.contains_key(id)
    }

    /// A paragraph's formatting: defaults, its style chain, then `direct`.
    pub fn paragraph(
        &self,
        style: Option<&str>,
        direct: &ParaProps,
    ) -> (ParaProps, RunProps) {
        let mut para = self.defaults_para.clone();
        let mut run = self.defaults_run.clone();
        let style = style.or(self.default_paragraph.as_deref());
        for style in style.map(|id| self.chain(id)).unwrap_or_default() {
            para.merge(&style.para);
            run.merge(&style.run);
        }
        para.merge(direct);
        (para, run)
    }

    /// A run's formatting on top of its paragraph's: character style chain, then `direct`.
    pub fn run(
        &self,
        paragraph: &RunProps,
        style: Option<&str>,
        direct: &RunProps,
    ) -> RunProps {
        let mut run = paragraph.clone();
        for style in style.map(|id| self.chain(id)).unwrap_or_default() {
            run.merge(&style.run);
        }
        run.merge(direct);
        run
    }

    /// The borders a table style draws, if any.
    pub fn table_borders(&self, style: &str) -> Option<Border> {
        self.chain(style).iter().rev().find_map(|s| s.table_borders.clone())
    }
}

/// A built-in family's vertical metrics from its `hhea` table, in font units.
struct FontMetrics {
    ascent: f64,
    descent: f64,
    gap: f64,
    units_per_em: f64,
}

/// The metrics of a built-in family (every style of a family shares them).
fn font_metrics(family: &str) -> FontMetrics {
    let (ascent, descent, gap, units_per_em) = match family {
        "Caladea" => (900.0, 250.0, 0.0, 1000.0),
        "Liberation Sans" => (1854.0, 434.0, 67.0, 2048.0),
        "Liberation Serif" => (1825.0, 443.0, 87.0, 2048.0),
        "Liberation Mono" => (1705.0, 615.0, 0.0, 2048.0),
        _ => (1536.0, 512.0, 452.0, 2048.0),
    };
    FontMetrics { ascent, descent, gap, units_per_em }
}

/// How a line of text is set, in points: how far its text reaches above and below the
/// baseline (typst's top and bottom edges) and the leading below it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineBox {
    pub top: f64,
    pub bottom: f64,
    pub leading: f64,
}

/// The line box for the text of a run of `family` at `size` points on a line spaced by
/// `spacing`.
///
/// A single line is as tall as the font's ascent, descent and line gap, counted in whole
/// twips the way LibreOffice counts them (the gap rounded on its own). A multiple of single
/// spacing, rounded down to whole twips, adds room below the text; LibreOffice lets a page
/// cut that room off its last line, so it is leading (which typst drops at a page break)
/// rather than part of the line. Exact and at-least spacing set the whole line.
pub fn line_box(family: &str, size: f64, spacing: LineSpacing) -> LineBox {
    let metrics = font_metrics(family);
    let scale = size * 20.0 / metrics.units_per_em;
    let descent = metrics.descent * scale;
    let single = (metrics.ascent * scale + descent + (metrics.gap * scale).round()).round();
    // A hair over, so that 240ths that are exact in decimal stay exact.
    let multiple = |factor: f64| (single * factor + 1e-6).floor().max(1.0);
    let (height, leading) = match spacing {
        LineSpacing::Multiple(factor) if factor >= 1.0 => {
            (single, multiple(factor) - single)
        }
        LineSpacing::Multiple(factor) => (multiple(factor), 0.0),
        LineSpacing::Exact(points) => (points * 20.0, 0.0),
        LineSpacing::AtLeast(points) => (single.max(points * 20.0), 0.0),
    };
    // In hundredths of a point, as the markup writes it, so that the edges add up.
    let top = ((single - descent).min(height) * 5.0).round() / 100.0;
    LineBox { top, bottom: height / 20.0 - top, leading: leading / 20.0 }
}

/// The border a `w:tblBorders` element draws, taken from its first visible side.
pub fn table_border(borders: &Node) -> Option<Border> {
    ["w:insideH", "w:top", "w:bottom", "w:left", "w:right", "w:insideV"]
        .iter()
        .filter_map(|side| child(borders, side))
        .find_map(border)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docx::xml::parse;

    #[test]
    fn attributes_are_read_by_exact_name() {
        let nodes = parse("<w:sz w:val=\"24\" w:valx='x'/>").unwrap();
        assert_eq!(attr(&nodes[0], "w:val"), Some("24"));
        assert_eq!(attr(&nodes[0], "w:valx"), Some("x"));
        assert_eq!(attr(&nodes[0], "val"), None);
    }

    #[test]
    fn styles_inherit_through_based_on_and_defaults() {
        let xml = r#"<w:styles><w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val="22"/>
            <w:rFonts w:asciiTheme="minorHAnsi"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>
            <w:spacing w:after="160" w:line="259" w:lineRule="auto"/></w:pPr></w:pPrDefault>
            </w:docDefaults>
            <w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:rPr><w:color w:val="111111"/></w:rPr></w:style>
            <w:style w:type="paragraph" w:styleId="Heading1"><w:basedOn w:val="Normal"/>
            <w:pPr><w:keepNext/><w:spacing w:before="240"/></w:pPr><w:rPr><w:b/><w:sz w:val="32"/></w:rPr></w:style>
            </w:styles>"#;
        let styles = Styles::from_nodes(&parse(xml).unwrap(), Theme::default());
        let (para, run) = styles.paragraph(Some("Heading1"), &ParaProps::default());
        assert_eq!(para.before, Some(12.0));
        assert_eq!(para.after, Some(8.0));
        assert_eq!(para.keep_next, Some(true));
        assert_eq!(run.size, Some(16.0));
        assert_eq!(run.bold, Some(true));
        assert_eq!(run.color.as_deref(), Some("111111"));
        assert_eq!(run.font.as_deref(), Some("Calibri"));
        let (_, normal) = styles.paragraph(None, &ParaProps::default());
        assert_eq!(normal.size, Some(11.0));
    }

    #[test]
    fn lines_are_as_tall_as_libreoffice_sets_them() {
        let height = |family, size, spacing| {
            let line = line_box(family, size, spacing);
            ((line.top + line.bottom + line.leading) * 20.0).round()
        };
        // Measured with LibreOffice 7.4, in twips.
        assert_eq!(height("Carlito", 11.0, LineSpacing::Multiple(1.0)), 269.0);
        assert_eq!(height("Carlito", 11.0, LineSpacing::Multiple(1.1)), 295.0);
        assert_eq!(height("Carlito", 10.0, LineSpacing::Multiple(1.1)), 268.0);
        assert_eq!(height("Carlito", 13.0, LineSpacing::Multiple(1.15)), 364.0);
        assert_eq!(height("Liberation Sans", 12.0, LineSpacing::Multiple(1.0)), 276.0);
        assert_eq!(height("Caladea", 20.0, LineSpacing::Multiple(1.0)), 460.0);
        assert_eq!(height("Carlito", 11.0, LineSpacing::Exact(18.0)), 360.0);
        assert_eq!(height("Carlito", 11.0, LineSpacing::AtLeast(10.0)), 269.0);
        let line = line_box("Carlito", 11.0, LineSpacing::Multiple(1.1));
        assert_eq!((line.top + line.bottom, line.leading), (13.45, 1.3));
    }
}
