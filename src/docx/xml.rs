//! A small, lossless tree of a WordprocessingML part: what is not changed is written back
//! exactly as it was read.

use quick_xml::events::Event;
use quick_xml::Reader;

/// One node of a part.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// An element: its start tag's inside as written (name and attributes) and children.
    Element { tag: String, children: Vec<Node> },
    /// An element written `<name .../>`.
    Empty { tag: String },
    /// Text as written, entities still escaped.
    Text(String),
    /// Handlebars source placed between elements (a block tag moved out of the text).
    Marker(String),
    /// Anything else (declaration, comment, CDATA, processing instruction), as written.
    Raw(String),
}

impl Node {
    /// The element's qualified name, e.g. `w:p`.
    pub fn name(&self) -> Option<&str> {
        match self {
            Node::Element { tag, .. } | Node::Empty { tag } => {
                Some(tag.split(|c: char| c.is_whitespace()).next().unwrap_or(tag))
            }
            _ => None,
        }
    }

    /// Whether this is an element named `name`.
    pub fn is(&self, name: &str) -> bool {
        self.name() == Some(name)
    }

    /// The children of an element (none for other nodes).
    pub fn children(&self) -> &[Node] {
        match self {
            Node::Element { children, .. } => children,
            _ => &[],
        }
    }
}

/// Why a part is not well-formed XML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the XML is not well formed at byte {position}: {message}")]
pub struct XmlError {
    pub position: u64,
    pub message: String,
}

/// Parses a part into a list of top-level nodes.
pub fn parse(text: &str) -> Result<Vec<Node>, XmlError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<(String, Vec<Node>)> = vec![(String::new(), Vec::new())];
    let error = |reader: &Reader<&[u8]>, message: String| XmlError {
        position: reader.buffer_position(),
        message,
    };
    loop {
        let event = reader.read_event().map_err(|err| error(&reader, err.to_string()))?;
        let top = match stack.last_mut() {
            Some((_, children)) => children,
            None => return Err(error(&reader, "unbalanced elements".into())),
        };
        match event {
            Event::Start(start) => stack.push((start.to_string(), Vec::new())),
            Event::End(_) => {
                if stack.len() < 2 {
                    return Err(error(&reader, "an end tag closes nothing".into()));
                }
                let (tag, children) = stack.pop().unwrap_or_default();
                if let Some((_, parent)) = stack.last_mut() {
                    parent.push(Node::Element { tag, children });
                }
            }
            Event::Empty(start) => top.push(Node::Empty { tag: start.to_string() }),
            Event::Text(text) => push_text(top, &text),
            Event::GeneralRef(reference) => push_text(top, &format!("&{};", &*reference)),
            Event::CData(data) => top.push(Node::Raw(format!("<![CDATA[{}]]>", &*data))),
            Event::Comment(text) => top.push(Node::Raw(format!("<!--{}-->", &*text))),
            Event::Decl(decl) => top.push(Node::Raw(format!("<?{}?>", &*decl))),
            Event::PI(pi) => top.push(Node::Raw(format!("<?{}?>", &*pi))),
            Event::DocType(text) => top.push(Node::Raw(format!("<!DOCTYPE {}>", &*text))),
            Event::Eof => break,
        }
    }
    match stack.pop() {
        Some((_, nodes)) if stack.is_empty() => Ok(nodes),
        _ => Err(error(&reader, "an element is never closed".into())),
    }
}

/// Appends text, joining it to text just before (entities arrive as separate events).
fn push_text(nodes: &mut Vec<Node>, text: &str) {
    if let Some(Node::Text(previous)) = nodes.last_mut() {
        previous.push_str(text);
    } else {
        nodes.push(Node::Text(text.to_string()));
    }
}

/// Writes nodes back as XML (markers as they are).
pub fn write(nodes: &[Node], out: &mut String) {
    for node in nodes {
        match node {
            Node::Element { tag, children } => {
                out.push('<');
                out.push_str(tag);
                out.push('>');
                write(children, out);
                out.push_str("</");
                out.push_str(node.name().unwrap_or_default());
                out.push('>');
            }
            Node::Empty { tag } => {
                out.push('<');
                out.push_str(tag);
                out.push_str("/>");
            }
            Node::Text(text) | Node::Marker(text) | Node::Raw(text) => out.push_str(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_is_written_back_exactly() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n\
            <w:document xmlns:w=\"x\"><!-- c --><w:body><w:p w:rsidR=\"00A1\">\
            <w:r><w:t xml:space=\"preserve\">a &amp; b &#x41; </w:t></w:r><w:br/></w:p>\
            </w:body></w:document>";
        let nodes = parse(text).unwrap();
        let mut out = String::new();
        write(&nodes, &mut out);
        assert_eq!(out, text);
    }

    #[test]
    fn broken_xml_is_refused() {
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a>").is_err());
    }
}
