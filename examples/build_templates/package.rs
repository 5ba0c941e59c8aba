//! Writes a built document as a package that opens cleanly and never changes between runs.
//!
//! The package is rewritten entry by entry: every entry gets the same time (1980-01-01,
//! the earliest a zip file can hold), the document properties carry a fixed date, folder
//! entries are dropped, and the property elements of every XML part are put in the order
//! the Office Open XML schema gives. Word quietly drops properties written out of that
//! order; LibreOffice does not mind either way.

use std::error::Error;
use std::io::{Cursor, Read, Write};

/// The created and modified time written into every template.
pub const FIXED_TIME: &str = "2026-01-01T00:00:00Z";

/// Rewrites a packed document with fixed times and properties and schema-ordered parts.
pub fn repack(packed: Vec<u8>, title: &str) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(packed))?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);

    for index in 0..archive.len() {
        let mut entry = archive.by_index(index)?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name()?.into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;

        if name == "docProps/core.xml" {
            bytes = core_properties(title).into_bytes();
        } else if name.starts_with("word/") && name.ends_with(".xml") {
            let ordered = schema_order(std::str::from_utf8(&bytes)?);
            bytes =
                ordered.map_err(|e| format!("failed to reorder {name}: {e}"))?.into_bytes();
        }
        out.start_file(name, options)?;
        out.write_all(&bytes)?;
    }
    Ok(out.finish()?.into_inner())
}

/// The document properties every template carries, free of any clock time.
fn core_properties(title: &str) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<cp:coreProperties "#,
            r#"xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" "#,
            r#"xmlns:dc="http://purl.org/dc/elements/1.1/" "#,
            r#"xmlns:dcterms="http://purl.org/dc/terms/" "#,
            r#"xmlns:dcmitype="http://purl.org/dc/dcmitype/" "#,
            r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            "<dc:title>{title}</dc:title>",
            "<dc:creator>partnerdocs</dc:creator>",
            "<cp:lastModifiedBy>partnerdocs</cp:lastModifiedBy>",
            "<cp:revision>1</cp:revision>",
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{time}</dcterms:created>"#,
            r#"<dcterms:modified xsi:type="dcterms:W3CDTF">{time}</dcterms:modified>"#,
            "</cp:coreProperties>",
        ),
        title = title,
        time = FIXED_TIME,
    )
}

// ---------------------------------------------------------------------------------------
// Schema order
// ---------------------------------------------------------------------------------------

/// For each property element, its children in the order the schema requires (ECMA-376,
/// transitional). Only the children the library writes need to be listed: an unlisted
/// child stops the build rather than being written in a guessed place.
const ORDERS: &[(&str, &[&str])] = &[
    (
        "w:pPr",
        &[
            "w:pStyle",
            "w:keepNext",
            "w:keepLines",
            "w:pageBreakBefore",
            "w:framePr",
            "w:widowControl",
            "w:numPr",
            "w:suppressLineNumbers",
            "w:pBdr",
            "w:shd",
            "w:tabs",
            "w:suppressAutoHyphens",
            "w:kinsoku",
            "w:wordWrap",
            "w:overflowPunct",
            "w:topLinePunct",
            "w:autoSpaceDE",
            "w:autoSpaceDN",
            "w:bidi",
            "w:adjustRightInd",
            "w:snapToGrid",
            "w:spacing",
            "w:ind",
            "w:contextualSpacing",
            "w:mirrorIndents",
            "w:suppressOverlap",
            "w:jc",
            "w:textDirection",
            "w:textAlignment",
            "w:textboxTightWrap",
            "w:outlineLvl",
            "w:divId",
            "w:cnfStyle",
            "w:rPr",
            "w:sectPr",
            "w:pPrChange",
        ],
    ),
    (
        "w:rPr",
        &[
            "w:ins",
            "w:del",
            "w:moveFrom",
            "w:moveTo",
            "w:rStyle",
            "w:rFonts",
            "w:b",
            "w:bCs",
            "w:i",
            "w:iCs",
            "w:caps",
            "w:smallCaps",
            "w:strike",
            "w:dstrike",
            "w:outline",
            "w:shadow",
            "w:emboss",
            "w:imprint",
            "w:noProof",
            "w:snapToGrid",
            "w:vanish",
            "w:webHidden",
            "w:color",
            "w:spacing",
            "w:w",
            "w:kern",
            "w:position",
            "w:sz",
            "w:szCs",
            "w:highlight",
            "w:u",
            "w:effect",
            "w:bdr",
            "w:shd",
            "w:fitText",
            "w:vertAlign",
            "w:rtl",
            "w:cs",
            "w:em",
            "w:lang",
            "w:eastAsianLayout",
            "w:specVanish",
            "w:oMath",
            "w:rPrChange",
        ],
    ),
    (
        "w:style",
        &[
            "w:name",
            "w:aliases",
            "w:basedOn",
            "w:next",
            "w:link",
            "w:autoRedefine",
            "w:hidden",
            "w:uiPriority",
            "w:semiHidden",
            "w:unhideWhenUsed",
            "w:qFormat",
            "w:locked",
            "w:personal",
            "w:personalCompose",
            "w:personalReply",
            "w:rsid",
            "w:pPr",
            "w:rPr",
            "w:tblPr",
            "w:trPr",
            "w:tcPr",
            "w:tblStylePr",
        ],
    ),
    ("w:numPr", &["w:ilvl", "w:numId", "w:numberingChange", "w:ins"]),
    (
        "w:sectPr",
        &[
            "w:headerReference",
            "w:footerReference",
            "w:footnotePr",
            "w:endnotePr",
            "w:type",
            "w:pgSz",
            "w:pgMar",
            "w:paperSrc",
            "w:pgBorders",
            "w:lnNumType",
            "w:pgNumType",
            "w:cols",
            "w:formProt",
            "w:vAlign",
            "w:noEndnote",
            "w:titlePg",
            "w:textDirection",
            "w:bidi",
            "w:rtlGutter",
            "w:docGrid",
            "w:printerSettings",
            "w:sectPrChange",
        ],
    ),
    (
        "w:tblPr",
        &[
            "w:tblStyle",
            "w:tblpPr",
            "w:tblOverlap",
            "w:bidiVisual",
            "w:tblStyleRowBandSize",
            "w:tblStyleColBandSize",
            "w:tblW",
            "w:jc",
            "w:tblCellSpacing",
            "w:tblInd",
            "w:tblBorders",
            "w:shd",
            "w:tblLayout",
            "w:tblCellMar",
            "w:tblLook",
            "w:tblCaption",
            "w:tblDescription",
        ],
    ),
    (
        "w:tcPr",
        &[
            "w:cnfStyle",
            "w:tcW",
            "w:gridSpan",
            "w:hMerge",
            "w:vMerge",
            "w:tcBorders",
            "w:shd",
            "w:noWrap",
            "w:tcMar",
            "w:textDirection",
            "w:tcFitText",
            "w:vAlign",
            "w:hideMark",
        ],
    ),
    (
        "w:lvl",
        &[
            "w:start",
            "w:numFmt",
            "w:lvlRestart",
            "w:pStyle",
            "w:isLgl",
            "w:suff",
            "w:lvlText",
            "w:lvlPicBulletId",
            "w:legacy",
            "w:lvlJc",
            "w:pPr",
            "w:rPr",
        ],
    ),
    (
        "w:settings",
        &[
            "w:writeProtection",
            "w:view",
            "w:zoom",
            "w:evenAndOddHeaders",
            "w:defaultTabStop",
            "w:characterSpacingControl",
            "w:compat",
            "w:docVars",
            "w15:docId",
        ],
    ),
];

/// One piece of machine-written XML: an element with its children, or other text as is.
enum Node<'a> {
    Element { start: &'a str, name: &'a str, children: Vec<Node<'a>>, end: &'a str },
    Other(&'a str),
}

/// Puts the children of every property element of `xml` in schema order.
fn schema_order(xml: &str) -> Result<String, String> {
    let nodes = parse(xml)?;
    let mut out = String::with_capacity(xml.len());
    for node in &nodes {
        write_node(node, &mut out)?;
    }
    Ok(out)
}

/// Parses XML as the library writes it: no comments, no CDATA, no `>` inside attributes.
fn parse(xml: &str) -> Result<Vec<Node<'_>>, String> {
    let mut open: Vec<(&str, &str, Vec<Node>)> = vec![("", "", Vec::new())];
    let mut rest = xml;
    while !rest.is_empty() {
        let length = if rest.starts_with('<') {
            rest.find('>').ok_or("a tag is not closed")? + 1
        } else {
            rest.find('<').unwrap_or(rest.len())
        };
        let (piece, tail) = rest.split_at(length);
        rest = tail;

        if piece.starts_with("</") {
            let (start, name, children) = open.pop().ok_or("an end tag has no start")?;
            let parent = open.last_mut().ok_or("an end tag has no start")?;
            parent.2.push(Node::Element { start, name, children, end: piece });
        } else if piece.starts_with("<?") || !piece.starts_with('<') {
            open.last_mut().ok_or("text after the root")?.2.push(Node::Other(piece));
        } else if piece.ends_with("/>") {
            let element = Node::Element {
                start: piece,
                name: name_of(piece),
                children: Vec::new(),
                end: "",
            };
            open.last_mut().ok_or("an element after the root")?.2.push(element);
        } else {
            open.push((piece, name_of(piece), Vec::new()));
        }
    }
    match open.pop() {
        Some((_, _, nodes)) if open.is_empty() => Ok(nodes),
        _ => Err("an element is not closed".into()),
    }
}

/// The element name of a start tag such as `<w:b w:val="1" />`.
fn name_of(tag: &str) -> &str {
    let inner = tag.trim_start_matches('<');
    inner.split(|c: char| c.is_whitespace() || c == '/' || c == '>').next().unwrap_or("")
}

fn write_node(node: &Node, out: &mut String) -> Result<(), String> {
    let Node::Element { start, name, children, end } = node else {
        if let Node::Other(text) = node {
            out.push_str(text);
        }
        return Ok(());
    };
    // The library gives grid columns a type attribute the schema does not have.
    if *name == "w:gridCol" {
        out.push_str(&start.replace(r#" w:type="dxa""#, ""));
    } else {
        out.push_str(start);
    }
    for child in ordered(name, children)? {
        write_node(child, out)?;
    }
    out.push_str(end);
    Ok(())
}

/// The children of `name` in schema order, or as they are when `name` has no order.
fn ordered<'n, 'a>(
    name: &str,
    children: &'n [Node<'a>],
) -> Result<Vec<&'n Node<'a>>, String> {
    let mut children: Vec<&Node> = children.iter().collect();
    let Some((_, order)) = ORDERS.iter().find(|(parent, _)| *parent == name) else {
        return Ok(children);
    };
    let mut ranks = Vec::with_capacity(children.len());
    for child in &children {
        let Node::Element { name: child_name, .. } = child else {
            return Err(format!("text inside {name}"));
        };
        let rank = order.iter().position(|known| known == child_name);
        ranks.push(
            rank.ok_or_else(|| {
                format!("no schema order known for {child_name} in {name}")
            })?,
        );
    }
    let mut ranked: Vec<(usize, &Node)> =
        ranks.into_iter().zip(children.drain(..)).collect();
    ranked.sort_by_key(|(rank, _)| *rank);
    Ok(ranked.into_iter().map(|(_, child)| child).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_children_follow_the_schema() {
        let xml = r#"<w:p><w:pPr><w:rPr /><w:jc w:val="left" /><w:pStyle w:val="A" /></w:pPr></w:p>"#;
        let want = r#"<w:p><w:pPr><w:pStyle w:val="A" /><w:jc w:val="left" /><w:rPr /></w:pPr></w:p>"#;
        assert_eq!(schema_order(xml).unwrap(), want);
    }

    #[test]
    fn text_and_unordered_elements_are_kept_as_is() {
        let xml = r#"<?xml version="1.0"?><w:r><w:t xml:space="preserve">a &amp; b</w:t><w:tab /></w:r>"#;
        assert_eq!(schema_order(xml).unwrap(), xml);
    }

    #[test]
    fn an_unknown_property_stops_the_build() {
        let problem = schema_order("<w:rPr><w:glow /></w:rPr>").unwrap_err();
        assert!(problem.contains("w:glow"), "{problem}");
    }
}
