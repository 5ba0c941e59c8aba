//! Builds the shipped Word templates, `templates/moa.docx` and `templates/decision-matrix.docx`.
//!
//! The district's standard wording lives in the constants below, one block per paragraph,
//! table or signature area, in reading order. To change the wording, edit it here and run
//! `cargo run --example build_templates`. The same source always gives the same bytes, so
//! a change to a template shows up in review only when its wording or layout changed.
//!
//! Text may hold template tags (`{{program_name}}`, `{{#if board_approval}}`, ...); each
//! tag is written as a run of its own so the filler always finds it whole. `**` turns bold
//! on and off. Every tag is checked against the known fields before anything is written.

use std::error::Error;
use std::io::{Cursor, Read, Write};
use std::path::Path;

use docx_rs::{
    AbstractNumbering, AlignmentType, BorderType, Docx, Footer, Header, IndentLevel, Level,
    LevelJc, LevelText, LineSpacing, LineSpacingType, NumPages, NumberFormat, Numbering,
    NumberingId, PageMargin, PageNum, Paragraph, ParagraphBorder, ParagraphBorderPosition,
    ParagraphBorders, Run, RunFonts, Shading, ShdType, SpecialIndentType, Start, Style,
    StyleType, Tab, TabValueType, Table, TableBorder, TableBorderPosition, TableBorders,
    TableCell, TableCellMargins, TableLayoutType, TableRow, WidthType,
};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

// ---------------------------------------------------------------------------------------
// The content model
// ---------------------------------------------------------------------------------------

/// One piece of a template, in reading order.
enum Block {
    /// The document title.
    Title(&'static str),
    /// A centered line under the title; the first one is larger.
    Subtitle(&'static str),
    /// A centered small line under the title.
    Byline(&'static str),
    /// A section heading (Heading 1); its number is added when the document is built.
    Section(&'static str),
    /// A sub-heading (Heading 2).
    Heading(&'static str),
    /// A body paragraph. One that ends in a colon is kept on the page with the next.
    Text(&'static str),
    /// A bulleted paragraph, using Word's own list numbering.
    Bullet(&'static str),
    /// A block tag alone in its paragraph; the paragraph disappears when filled.
    Tag(&'static str),
    /// A small-print paragraph.
    Note(&'static str),
    /// A bordered table.
    Table(&'static Grid),
    /// Side-by-side signature areas without borders, one column per party.
    Signatures(&'static [&'static [&'static str]]),
}

/// A bordered table: its columns, its rows of cell text, and which cells are shaded.
struct Grid {
    columns: &'static [Column],
    rows: &'static [&'static [&'static str]],
    look: Look,
}

/// Which cells of a [`Grid`] are shaded as headings.
#[derive(Clone, Copy, PartialEq)]
enum Look {
    /// The first row holds column headings.
    HeaderRow,
    /// The first column holds row labels.
    LabelColumn,
    /// The first row holds column headings and the first column holds row labels.
    Both,
}

/// A table column: its width in twentieths of a point, and its alignment.
struct Column {
    width: usize,
    right: bool,
}

/// A left-aligned column.
const fn col(width: usize) -> Column {
    Column { width, right: false }
}

/// A right-aligned column, for amounts.
const fn amount(width: usize) -> Column {
    Column { width, right: true }
}

/// One template file and what goes into it.
struct Template {
    file: &'static str,
    title: &'static str,
    header_left: &'static str,
    header_right: &'static str,
    body: &'static [Block],
}

use Block::{
    Bullet, Byline, Heading, Note, Section, Signatures, Subtitle, Tag, Text, Title,
};

// ---------------------------------------------------------------------------------------
// The Memorandum of Agreement
// ---------------------------------------------------------------------------------------

const MOA: Template = Template {
    file: "moa.docx",
    title: "Memorandum of Agreement",
    header_left: "{{district_short_name}} · Memorandum of Agreement",
    header_right: "Partnership {{partnership_id}}",
    body: &[
        Title("Memorandum of Agreement"),
        Subtitle("{{program_name}}"),
        Byline("between {{district_name}} and {{partner_name}}"),
        Byline("Partnership {{partnership_id}} · {{intensity_label}} intensity · prepared {{date as_of}}"),
        Text("This Memorandum of Agreement (the “Agreement”) is made between **{{district_name}}** (the “District”) and **{{partner_name}}** (the “Partner”), together the “Parties”. It sets out how the Parties will work together on **{{program_name}}** (the “Program”) for the benefit of the District’s students, and what each Party is responsible for. The Decision-Making Matrix attached to this Agreement forms part of it."),

        Section("Parties and Contacts"),
        Block::Table(&PARTIES),
        Text("Each Party’s lead contact named above is its day-to-day representative for the Program. A Party that changes its lead contact tells the other Party in writing within ten (10) business days. The District’s {{partnerships_office}} administers this Agreement for the District and can be reached at {{partnerships_email}}."),

        Section("Purpose and Shared Goals"),
        Text("The Parties share the goal of improving learning and well-being for the District’s students by joining the Partner’s resources and expertise with the work of the District’s schools."),
        Tag("{{#if program_description}}"),
        Text("**Program description.** {{program_description}}"),
        Tag("{{/if}}"),
        Tag("{{#if district_priorities}}"),
        Text("The Program supports the following District priorities:"),
        Tag("{{#each district_priorities}}"),
        Bullet("{{this}}"),
        Tag("{{/each}}"),
        Tag("{{/if}}"),

        Section("Programs and Services"),
        Text("**Scope.** The Program is classified as {{program_scope}} programming under the District’s Partnership Rubric. The Partner will deliver the Program as described in this Agreement."),
        Text("**Contact time.** Partner staff and volunteers will work directly with students for about {{contact_hours_per_week}} {{plural contact_hours_per_week \"hour\" \"hours\"}} a week."),
        Text("**Changes to services.** A change to the Program’s scope, schedule or contact time that affects students is agreed in writing by both lead contacts before it takes effect."),

        Section("Schools and Students Served"),
        Tag("{{#if district_wide}}"),
        Text("The Program is offered district-wide, at every school of {{district_name}}."),
        Tag("{{else}}"),
        Text("The Program serves students at the following {{num_schools}} {{plural num_schools \"school\" \"schools\"}}:"),
        Tag("{{#each schools}}"),
        Bullet("{{this}}"),
        Tag("{{/each}}"),
        Tag("{{/if}}"),
        Text("The Parties expect the Program to serve about {{students_served}} {{plural students_served \"student\" \"students\"}}. Participation is open to eligible students without regard to race, color, national origin, sex, disability, religion or any other characteristic protected by law, and students are enrolled only through the process agreed with each school."),

        Section("Term"),
        Text("This Agreement covers the Program from **{{date start_date}}** through **{{date end_date}}**, a term of {{duration_days}} {{plural duration_days \"day\" \"days\"}}."),
        Text("It takes effect on the later of the start date and the date of the last signature below{{#if board_approval}}, and in no case before the Board of Education approves it{{/if}}. It ends on the end date unless the Parties renew it in writing or it is ended earlier as described under Termination."),

        Section("Roles and Responsibilities"),
        Heading("The District will"),
        Bullet("name {{district_lead}} as the District lead, who coordinates the Program with school staff and the Partner;"),
        Bullet("give the Partner access to the school facilities, schedules and communication channels agreed for the Program;"),
        Bullet("share the District policies, safety procedures and school calendars that apply to the Program;"),
        Bullet("identify and refer students, and communicate with families, as agreed with the Partner;"),
        Bullet("review the Program’s progress with the Partner and pass on feedback from schools and families."),
        Heading("The Partner will"),
        Bullet("deliver the Program as described in this Agreement, with qualified staff and volunteers;"),
        Bullet("make sure every person who works with students has completed the District’s required background checks and training before starting;"),
        Bullet("follow District policies, school rules and the directions of school administrators while on District property;"),
        Bullet("keep records of participation and services, and report them to the District lead as agreed;"),
        Bullet("protect student information as described under Student Privacy and Data;"),
        Bullet("carry the insurance the District requires and give proof of coverage before the Program starts."),
        Heading("Both Parties will"),
        Bullet("communicate openly and promptly, and solve problems together in the students’ best interest;"),
        Bullet("make decisions about the Program as set out in the Decision-Making Matrix;"),
        Bullet("acknowledge each other’s role in public communications about the Program, and use the other Party’s name or logo only with its written permission."),

        Section("Communication Plan"),
        Bullet("**Lead contacts.** {{district_lead}} for the District{{#if partner_contact}} and {{partner_contact}} for the Partner{{/if}} are the first point of contact for questions about the Program."),
        Bullet("**Regular check-ins.** The lead contacts meet at least once each quarter, and more often while the Program is starting, to review schedules, participation and concerns."),
        Bullet("**Urgent matters.** A Party tells the other the same day about any incident involving student safety, and follows the District’s incident reporting procedures."),
        Bullet("**Families and the public.** Communications to families go through the school or are approved by the District lead. Media inquiries about the Program are referred to the District."),
        Bullet("**Notices.** Formal notices under this Agreement are given in writing, by e-mail or letter, to the lead contacts above, with a copy to the {{partnerships_office}} at {{partnerships_email}}."),

        Section("Student Privacy and Data"),
        Text("The level of student data the District will share with the Partner for this Program is: **{{data_shared}}**. The levels mean:"),
        Block::Table(&DATA_LEVELS),
        Tag("{{#if data_agreement}}"),
        Text("**Data-sharing agreement required.** Before any student data is shared, the Parties will sign a separate data-sharing agreement that complies with the Family Educational Rights and Privacy Act (FERPA), state law and District policy. No student data is shared under this Agreement until that agreement is in effect."),
        Tag("{{/if}}"),
        Text("**Student privacy duties.** Whatever the level of data shared, the Partner will:"),
        Bullet("use student information only to deliver the Program, and never sell it or use it for marketing;"),
        Bullet("keep student information secure, limit access to the staff who need it, and disclose it to no one else without the District’s written permission or, where the law requires it, a parent’s written consent;"),
        Bullet("not photograph, record or publish images of students without written consent obtained through the District;"),
        Bullet("tell the District lead within 24 hours of learning of any unauthorized access to or disclosure of student information;"),
        Bullet("return or securely destroy student information when this Agreement ends, and confirm this in writing."),

        Section("Financial Responsibility"),
        Text("The resources each Party commits to the Program are:"),
        Block::Table(&FINANCES),
        Text("Each Party pays its own costs of carrying out this Agreement except as shown above. The District’s commitment depends on funds being available and approved in its budget. The Partner will not charge students or families for taking part in the Program unless the District agrees in writing."),
        Tag("{{#if contract_review}}"),
        Text("**Contract review.** Any payment by the District to the Partner is made under a contract or purchase order whose terms follow District purchasing policy and which the District reviews before it is signed. This Agreement does not by itself authorize any payment."),
        Tag("{{/if}}"),

        Section("Monitoring and Evaluation"),
        Bullet("The lead contacts will track participation and the Program’s progress toward its goals, using measures they agree on when the Program starts."),
        Bullet("The Parties will revisit this Agreement and the Decision-Making Matrix together by **{{date review_date}}**, and at least once a year while the partnership continues, to decide whether to continue, change or end it."),
        Bullet("The Partner will give the District a short summary of the services delivered and their results at the end of each school year and when the Agreement ends."),
        Bullet("Any change to this Agreement is made in writing and signed by both Parties."),

        Section("Termination"),
        Bullet("Either Party may end this Agreement for any reason by giving the other Party thirty (30) days’ written notice."),
        Bullet("The District may suspend or end the partnership at once, by written notice, if it finds that continuing would endanger the health, safety or privacy of students or staff, or if the Partner breaches District policy or this Agreement."),
        Bullet("When the Agreement ends, the Parties will finish or wind down services in a way that limits disruption for students, and the Partner will return or destroy student information as required above."),

        Section("Compliance with District Policy"),
        Text("The Partner, and everyone who works on the Program for it, will follow all District policies and administrative regulations that apply and all applicable laws, including those on:"),
        Bullet("background checks, fingerprint clearance and health screening for people who work with students;"),
        Bullet("mandated reporting of suspected child abuse or neglect;"),
        Bullet("non-discrimination, anti-harassment and accessibility;"),
        Bullet("student supervision, safety and emergency procedures, including visitor sign-in at each school;"),
        Bullet("the use of District facilities, technology and property."),
        Text("Nothing in this Agreement makes either Party the employee, agent or partner in law of the other. Each Party is responsible for the acts of its own staff and volunteers."),

        Section("Intensity Level and Approvals"),
        Text("The District rated this partnership with its Partnership Rubric. Its intensity level is **{{intensity_label}}** ({{points}} points)."),
        Tag("{{#if overridden}}"),
        Text("The rubric gave {{computed_intensity_label}}; the District set the level to {{intensity_label}} for this reason: {{override_reason}}"),
        Tag("{{/if}}"),
        Text("**Developed by:** {{developed_by}}."),
        Text("What this level requires:"),
        Text("{{checkbox moa_required}} A Memorandum of Agreement is required"),
        Text("{{checkbox board_notification}} The Board of Education is notified"),
        Text("{{checkbox board_approval}} The Board of Education approves this Agreement"),
        Text("{{checkbox contract_review}} Contract terms are reviewed under District purchasing policy"),
        Text("{{checkbox data_agreement}} A separate data-sharing agreement is signed"),
        Tag("{{#if board_notification}}"),
        Text("**Board notification.** The District will inform the Board of Education of this partnership{{#if board_meeting}} at its meeting of {{date board_meeting}}{{/if}}."),
        Tag("{{/if}}"),
        Tag("{{#if board_approval}}"),
        Text("**Board approval.** This Agreement requires review and approval by the Board of Education before it takes effect, and does not bind the District until the Board has approved it."),
        Tag("{{/if}}"),
        Tag("{{#if moa_optional}}"),
        Text("**Optional agreement.** For a low-intensity partnership, a Memorandum of Agreement is encouraged but optional. It is developed by the principal or department administrator together with the Partner."),
        Tag("{{/if}}"),
        Heading("Partnership Rubric results"),
        Block::Table(&RUBRIC),
        Note("Ratings follow the District’s Partnership Rubric as applied on {{date as_of}}."),

        Section("Signatures"),
        Text("By signing below, each Party agrees to the terms of this Agreement{{#if board_approval}}, subject to approval by the Board of Education{{/if}}. Each signer confirms that they are authorized to sign for their organization."),
        Signatures(&[
            &[
                "**For {{district_name}}**",
                "Signature: ______________________________",
                "Name: {{superintendent}}",
                "Title: Superintendent",
                "Date: ____________________",
            ],
            &[
                "**For {{partner_name}}**",
                "Signature: ______________________________",
                "Name: {{#if partner_contact}}{{partner_contact}}{{else}}______________________{{/if}}",
                "Title: ____________________",
                "Date: ____________________",
            ],
        ]),
    ],
};

const PARTIES: Grid = Grid {
    columns: &[col(1800), col(3780), col(3780)],
    rows: &[
        &["", "District", "Partner"],
        &["Name", "{{district_name}}", "{{partner_name}}"],
        &["Type", "Public school district", "{{partner_type}}"],
        &["Address", "{{district_address}}", "{{partner_address}}"],
        &["Lead contact", "{{district_lead}}, District lead", "{{partner_contact}}"],
        &["E-mail", "{{partnerships_email}}", "{{partner_email}}"],
        &["Phone", "Through the {{partnerships_office}}", "{{partner_phone}}"],
    ],
    look: Look::Both,
};

const DATA_LEVELS: Grid = Grid {
    columns: &[col(1800), col(7560)],
    rows: &[
        &["none", "No student information is shared with the Partner."],
        &["aggregate", "Only totals and summaries about groups of students, such as the number of students served, are shared. No record describes an individual student."],
        &["de-identified", "Records about individual students are shared with names, ID numbers and other identifying details removed, so that no student can reasonably be identified."],
        &["student-level", "Records that identify individual students are shared, only to deliver the Program and only under a signed data-sharing agreement."],
    ],
    look: Look::LabelColumn,
};

const FINANCES: Grid = Grid {
    columns: &[col(6360), amount(3000)],
    rows: &[
        &["Resource", "Amount"],
        &["District funds", "{{money district_funds}}"],
        &["Partner funds", "{{money partner_funds}}"],
        &[
            "In-kind value (staff time, materials, space and services)",
            "{{money in_kind_value}}",
        ],
        &["**Total resources**", "**{{money total_resources}}**"],
    ],
    look: Look::HeaderRow,
};

const RUBRIC: Grid = Grid {
    columns: &[col(1900), col(1900), col(1100), col(4460)],
    rows: &[
        &["Criterion", "Value", "Level", "Explanation"],
        &[
            "{{#each rubric}}{{criterion}}",
            "{{value}}",
            "{{level_label}}",
            "{{explanation}}{{/each}}",
        ],
    ],
    look: Look::HeaderRow,
};

// ---------------------------------------------------------------------------------------
// The Decision-Making Matrix
// ---------------------------------------------------------------------------------------

const MATRIX: Template = Template {
    file: "decision-matrix.docx",
    title: "Decision-Making Matrix",
    header_left: "{{district_short_name}} · Decision-Making Matrix",
    header_right: "Partnership {{partnership_id}}",
    body: &[
        Title("Decision-Making Matrix"),
        Subtitle("{{program_name}}"),
        Byline("{{district_name}} and {{partner_name}}"),
        Block::Table(&MATRIX_FACTS),
        Text("This matrix records who makes each key decision about the Program and how the other Party takes part. It is attached to, and forms part of, the Memorandum of Agreement between the Parties."),

        Section("Decisions"),
        Block::Table(&DECISIONS),
        Tag("{{#unless decisions}}"),
        Text("No decisions have been recorded yet. The Parties will complete this matrix together before the Memorandum of Agreement is signed."),
        Tag("{{/unless}}"),

        Section("Role Codes"),
        Block::Table(&ROLE_CODES),
        Text("A role may also be written in words, for example “Decides after consulting the principal”. A blank cell means that Party has no part in the decision."),

        Section("Review"),
        Text("The Parties review this matrix together with the Memorandum of Agreement whenever they revisit the partnership, and no later than **{{date review_date}}**. A change to a decision or a role is recorded in an updated matrix signed by both Parties."),

        Section("Signatures"),
        Signatures(&[
            &[
                "**For {{district_name}}**",
                "Signature: ______________________________",
                "Name: {{district_lead}}",
                "Title: District lead",
                "Date: ____________________",
            ],
            &[
                "**For {{partner_name}}**",
                "Signature: ______________________________",
                "Name: {{#if partner_contact}}{{partner_contact}}{{else}}______________________{{/if}}",
                "Title: ____________________",
                "Date: ____________________",
            ],
        ]),
    ],
};

const MATRIX_FACTS: Grid = Grid {
    columns: &[col(2400), col(6960)],
    rows: &[
        &["Partnership", "{{partnership_id}}"],
        &["Program", "{{program_name}}"],
        &["Partner", "{{partner_name}}"],
        &["District lead", "{{district_lead}}"],
        &["Partner contact", "{{partner_contact}}"],
        &["Intensity", "{{intensity_label}}"],
        &["Term", "{{date start_date}} to {{date end_date}}"],
        &["Review by", "{{date review_date}}"],
    ],
    look: Look::LabelColumn,
};

const DECISIONS: Grid = Grid {
    columns: &[col(3160), col(1700), col(1700), col(2800)],
    rows: &[
        &["Decision", "District role", "Partner role", "Notes"],
        &[
            "{{#each decisions}}{{decision}}",
            "{{district_role}}",
            "{{partner_role}}",
            "{{notes}}{{/each}}",
        ],
    ],
    look: Look::HeaderRow,
};

const ROLE_CODES: Grid = Grid {
    columns: &[col(1000), col(8360)],
    rows: &[
        &["Code", "Meaning"],
        &["D", "Decides: makes the final decision and is accountable for it."],
        &["C", "Consulted: is asked for advice before the decision is made."],
        &["I", "Informed: is told about the decision once it is made."],
    ],
    look: Look::Both,
};

const TEMPLATES: [&Template; 2] = [&MOA, &MATRIX];

// ---------------------------------------------------------------------------------------
// Tags the filler understands
// ---------------------------------------------------------------------------------------

/// Every name a tag may use: fields, list-item fields, helpers and block keywords.
const KNOWN_NAMES: &[&str] = &[
    // Fields of a partnership.
    "partnership_id",
    "program_name",
    "partner_name",
    "partner_type",
    "partner_contact",
    "partner_email",
    "partner_phone",
    "partner_address",
    "district_lead",
    "schools",
    "district_wide",
    "program_description",
    "district_priorities",
    "program_scope",
    "start_date",
    "end_date",
    "students_served",
    "contact_hours_per_week",
    "district_funds",
    "partner_funds",
    "in_kind_value",
    "data_shared",
    "board_meeting",
    "intensity_override",
    "override_reason",
    "total_resources",
    "num_schools",
    "duration_days",
    "intensity",
    "intensity_label",
    "computed_intensity",
    "computed_intensity_label",
    "overridden",
    "points",
    "rubric",
    "developed_by",
    "moa_required",
    "moa_optional",
    "board_notification",
    "board_approval",
    "contract_review",
    "data_agreement",
    "review_date",
    "decisions",
    "district_name",
    "district_short_name",
    "district_address",
    "partnerships_office",
    "partnerships_email",
    "superintendent",
    "as_of",
    "extra",
    // Fields of a rubric row and of a decision.
    "criterion",
    "value",
    "level",
    "level_label",
    "explanation",
    "decision",
    "district_role",
    "partner_role",
    "notes",
    "this",
    // Helpers and block keywords.
    "date",
    "money",
    "join",
    "upper",
    "lower",
    "checkbox",
    "plural",
    "#each",
    "/each",
    "#if",
    "/if",
    "#unless",
    "/unless",
    "else",
];

/// Checks that every tag in `text` is closed and names only known fields and helpers.
fn check_tags(text: &str) -> Result<()> {
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let end =
            rest[start..].find("}}").ok_or_else(|| format!("unclosed tag in {text:?}"))?;
        check_tag(&rest[start + 2..start + end])?;
        rest = &rest[start + end + 2..];
    }
    Ok(())
}

/// Checks the words of one tag; quoted arguments are left alone.
fn check_tag(tag: &str) -> Result<()> {
    let unquoted: String = tag.split('"').step_by(2).collect::<Vec<_>>().join(" ");
    match unquoted.split_whitespace().find(|word| !KNOWN_NAMES.contains(word)) {
        Some(word) => Err(format!("unknown name {word:?} in tag {{{{{tag}}}}}").into()),
        None => Ok(()),
    }
}

/// Every piece of text a template holds, for checking.
fn texts(template: &Template) -> Vec<&'static str> {
    let mut out = vec![template.header_left, template.header_right];
    for block in template.body {
        match block {
            Title(t) | Subtitle(t) | Byline(t) | Section(t) | Heading(t) | Text(t)
            | Bullet(t) | Tag(t) | Note(t) => out.push(t),
            Block::Table(grid) => out.extend(grid.rows.iter().flat_map(|row| row.iter())),
            Signatures(columns) => out.extend(columns.iter().flat_map(|c| c.iter())),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Page, styles and lists
// ---------------------------------------------------------------------------------------

/// US Letter, in twentieths of a point.
const PAGE_WIDTH: u32 = 12_240;
const PAGE_HEIGHT: u32 = 15_840;
/// One inch.
const MARGIN: i32 = 1_440;
/// The width between the margins.
const TEXT_WIDTH: usize = 9_360;

const BODY_FONT: &str = "Calibri";
const ACCENT: &str = "1F3864";
const MUTED: &str = "595959";
const RULE: &str = "8C8C8C";
const SHADE: &str = "E7ECF4";

/// The list that bullets use (numbering id 1 is the library's own default list).
const BULLETS: usize = 2;

/// The created and modified time written into every template.
const FIXED_TIME: &str = "2026-01-01T00:00:00Z";

fn fonts() -> RunFonts {
    RunFonts::new().ascii(BODY_FONT).hi_ansi(BODY_FONT).cs(BODY_FONT).east_asia(BODY_FONT)
}

/// Spacing before and after, with the body's line height.
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

fn rule_below(style: Style) -> Style {
    let mut style = style;
    let border = ParagraphBorder::new(ParagraphBorderPosition::Bottom)
        .val(BorderType::Single)
        .size(4)
        .space(1)
        .color(RULE);
    style.paragraph_property =
        style.paragraph_property.set_borders(ParagraphBorders::with_empty().set(border));
    style
}

/// The named styles, so staff who edit a template keep its look. The library always
/// writes a plain Normal style; the body font, size and spacing are the document defaults.
fn styles() -> Vec<Style> {
    vec![
        paragraph_style("Title", "Title")
            .size(40)
            .bold()
            .color(ACCENT)
            .align(AlignmentType::Center)
            .line_spacing(spacing(0, 60)),
        paragraph_style("Subtitle", "Subtitle")
            .size(28)
            .color(MUTED)
            .align(AlignmentType::Center)
            .line_spacing(spacing(0, 60)),
        paragraph_style("Byline", "Byline")
            .size(20)
            .color(MUTED)
            .align(AlignmentType::Center)
            .line_spacing(spacing(0, 60)),
        rule_below(heading_style("Heading1", "heading 1", 26, 320, 0)),
        heading_style("Heading2", "heading 2", 22, 200, 1),
        paragraph_style("ListParagraph", "List Paragraph").line_spacing(spacing(0, 60)),
        paragraph_style("TableText", "Table Text").size(20).line_spacing(spacing(0, 0)),
        paragraph_style("TableHeading", "Table Heading")
            .based_on("TableText")
            .size(20)
            .bold(),
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
    AbstractNumbering::new(BULLETS).add_level(level.indent(
        Some(360),
        Some(SpecialIndentType::Hanging(270)),
        None,
        None,
    ))
}

// ---------------------------------------------------------------------------------------
// Building paragraphs and tables
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
        let end = text.find("}}").map_or(text.len(), |end| end + 2);
        return text.split_at(end);
    }
    let end =
        text.find("{{").into_iter().chain(text.find("**")).min().unwrap_or(text.len());
    text.split_at(end)
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

fn borders() -> TableBorders {
    use TableBorderPosition::{Bottom, InsideH, InsideV, Left, Right, Top};
    [Top, Left, Bottom, Right, InsideH, InsideV].into_iter().fold(
        TableBorders::with_empty(),
        |borders, position| {
            borders.set(
                TableBorder::new(position)
                    .border_type(BorderType::Single)
                    .size(4)
                    .color(RULE),
            )
        },
    )
}

fn shaded(cell: TableCell) -> TableCell {
    cell.shading(Shading::new().shd_type(ShdType::Clear).color("auto").fill(SHADE))
}

fn grid_cell(grid: &Grid, row: usize, column: usize, text: &str) -> TableCell {
    let heading = match grid.look {
        Look::HeaderRow => row == 0,
        Look::LabelColumn => column == 0,
        Look::Both => row == 0 || column == 0,
    };
    let spec = &grid.columns[column];
    let mut para = paragraph(if heading { "TableHeading" } else { "TableText" }, text);
    if spec.right && !(heading && column == 0) {
        para = para.align(AlignmentType::Right);
    }
    let cell = TableCell::new().add_paragraph(para).width(spec.width, WidthType::Dxa);
    if heading {
        shaded(cell)
    } else {
        cell
    }
}

fn grid_table(grid: &Grid) -> Table {
    let rows = grid.rows.iter().enumerate().map(|(r, cells)| {
        let cells = cells.iter().enumerate().map(|(c, text)| grid_cell(grid, r, c, text));
        TableRow::new(cells.collect()).cant_split()
    });
    Table::new(rows.collect())
        .set_grid(grid.columns.iter().map(|c| c.width).collect())
        .width(TEXT_WIDTH, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .set_borders(borders())
        .margins(TableCellMargins::new().margin(60, 100, 60, 100))
}

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

/// A gap after a table, so the next paragraph does not touch it.
fn gap() -> Paragraph {
    Paragraph::new().style("Normal").line_spacing(spacing(0, 0)).size(8)
}

/// Adds one block to the document; `section` counts numbered headings so far.
fn add_block(docx: Docx, block: &Block, section: &mut usize) -> Docx {
    match block {
        Title(t) => docx.add_paragraph(paragraph("Title", t)),
        Subtitle(t) => docx.add_paragraph(paragraph("Subtitle", t)),
        Byline(t) => docx.add_paragraph(paragraph("Byline", t)),
        Section(t) => {
            *section += 1;
            docx.add_paragraph(paragraph("Heading1", &format!("{section}. {t}")))
        }
        Heading(t) => docx.add_paragraph(paragraph("Heading2", t)),
        Text(t) => docx.add_paragraph(paragraph("Normal", t).keep_next(t.ends_with(':'))),
        Bullet(t) => docx.add_paragraph(bullet(t)),
        Tag(t) => docx.add_paragraph(paragraph("TemplateTag", t)),
        Note(t) => docx.add_paragraph(paragraph("Note", t)),
        Block::Table(grid) => docx.add_table(grid_table(grid)).add_paragraph(gap()),
        Signatures(columns) => docx.add_table(signature_table(columns)),
    }
}

fn header(template: &Template) -> Header {
    let para = paragraph("Header", template.header_left)
        .add_tab(Tab::new().val(TabValueType::Right).pos(TEXT_WIDTH))
        .add_run(Run::new().add_tab());
    Header::new().add_paragraph(
        runs(template.header_right).into_iter().fold(para, Paragraph::add_run),
    )
}

fn footer() -> Footer {
    let para = Paragraph::new()
        .style("Footer")
        .add_run(Run::new().add_text("Page "))
        .add_page_num(PageNum::new())
        .add_run(Run::new().add_text(" of "))
        .add_num_pages(NumPages::new());
    Footer::new().add_paragraph(para)
}

fn build(template: &Template) -> Docx {
    let margin = PageMargin::new().top(MARGIN).bottom(MARGIN).left(MARGIN).right(MARGIN);
    let docx = Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_margin(margin.header(720).footer(720).gutter(0))
        .default_fonts(fonts())
        .default_size(22)
        .default_line_spacing(spacing(0, 120))
        .add_abstract_numbering(bullet_list())
        .add_numbering(Numbering::new(BULLETS, BULLETS))
        .header(header(template))
        .footer(footer())
        .created_at(FIXED_TIME)
        .updated_at(FIXED_TIME);
    let docx = styles().into_iter().fold(docx, Docx::add_style);

    let mut section = 0;
    template.body.iter().fold(docx, |docx, block| add_block(docx, block, &mut section))
}

// ---------------------------------------------------------------------------------------
// Writing the same bytes every time
// ---------------------------------------------------------------------------------------

/// The document properties every template carries, free of any clock time.
fn core_properties(title: &str) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" "#,
            r#"xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" "#,
            r#"xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            "<dc:title>{title}</dc:title><dc:creator>partnerdocs</dc:creator>",
            "<cp:lastModifiedBy>partnerdocs</cp:lastModifiedBy><cp:revision>1</cp:revision>",
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{time}</dcterms:created>"#,
            r#"<dcterms:modified xsi:type="dcterms:W3CDTF">{time}</dcterms:modified>"#,
            "</cp:coreProperties>"
        ),
        title = title,
        time = FIXED_TIME,
    )
}

/// Rewrites the package with fixed entry times and properties, and no folder entries.
fn repack(packed: Vec<u8>, title: &str) -> Result<Vec<u8>> {
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
        }
        out.start_file(name, options)?;
        out.write_all(&bytes)?;
    }
    Ok(out.finish()?.into_inner())
}

fn write_template(template: &Template, folder: &Path) -> Result<()> {
    for text in texts(template) {
        check_tags(text).map_err(|e| format!("{}: {e}", template.file))?;
    }
    let mut packed = Cursor::new(Vec::new());
    build(template).pack(&mut packed)?;
    let bytes = repack(packed.into_inner(), template.title)?;

    let path = folder.join(template.file);
    std::fs::write(&path, bytes)
        .map_err(|e| format!("failed to write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

fn main() -> Result<()> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    std::fs::create_dir_all(&folder)?;
    for template in TEMPLATES {
        write_template(template, &folder)?;
    }
    Ok(())
}
