//! The district's standard wording for the two templates, and the tags it may use.
//!
//! Each template is a list of blocks in reading order. Text may hold template tags
//! (`{{program_name}}`, `{{#if board_approval}}`, ...); `**` turns bold on and off. A block
//! tag that opens or closes paragraphs (`Tag`) stands alone in its paragraph; a table-row
//! loop opens at the start of a row's first cell and closes at the end of its last cell.

/// One piece of a template, in reading order.
pub enum Block {
    /// The document title.
    Title(&'static str),
    /// The large centered line under the title.
    Subtitle(&'static str),
    /// A small centered line under the title.
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

/// A bordered table: its columns, its rows of cell text, and which cells are headings.
pub struct Grid {
    pub columns: &'static [Column],
    pub rows: &'static [&'static [&'static str]],
    pub look: Look,
}

/// Which cells of a [`Grid`] are shaded as headings.
#[derive(Clone, Copy)]
pub enum Look {
    /// The first row holds column headings.
    HeaderRow,
    /// The first column holds row labels.
    LabelColumn,
    /// The first row holds column headings and the first column holds row labels.
    Both,
}

/// A table column: its width in twentieths of a point, and whether it is right-aligned.
pub struct Column {
    pub width: usize,
    pub right: bool,
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
pub struct Template {
    pub file: &'static str,
    pub title: &'static str,
    pub header_left: &'static str,
    pub header_right: &'static str,
    pub body: &'static [Block],
}

/// The templates the district ships, in the order they are written.
pub const TEMPLATES: [&Template; 3] = [&MOA, &MATRIX, &BOARD];

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
        Byline(
            "Partnership {{partnership_id}} · {{intensity_label}} intensity · prepared \
            {{date as_of}}",
        ),
        Text(
            "This Memorandum of Agreement (the “Agreement”) is made between \
            **{{district_name}}** (the “District”) and **{{partner_name}}** (the \
            “Partner”), together the “Parties”. It sets out how the Parties will work \
            together on **{{program_name}}** (the “Program”) for the benefit of the \
            District’s students, and what each Party is responsible for. The \
            Decision-Making Matrix attached to this Agreement forms part of it.",
        ),
        Section("Parties and Contacts"),
        Block::Table(&PARTIES),
        Text(
            "Each Party’s lead contact named above is its day-to-day representative for \
            the Program. A Party that changes its lead contact tells the other Party in \
            writing within ten (10) business days. The District’s {{partnerships_office}} \
            administers this Agreement for the District and can be reached at \
            {{partnerships_email}}.",
        ),
        Section("Purpose and Shared Goals"),
        Text(
            "The Parties share the goal of improving learning and well-being for the \
            District’s students by joining the Partner’s resources and expertise with the \
            work of the District’s schools.",
        ),
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
        Text(
            "**Scope.** The Program is classified as {{program_scope}} programming under \
            the District’s Partnership Rubric. The Partner will deliver the Program as \
            described in this Agreement.",
        ),
        Tag("{{#if contact_hours_per_week}}"),
        Text(
            "**Contact time.** Partner staff and volunteers will work directly with \
            students for about {{contact_hours_per_week}} \
            {{plural contact_hours_per_week \"hour\" \"hours\"}} a week.",
        ),
        Tag("{{else}}"),
        Text(
            "**Contact time.** The Program does not involve regular weekly contact time \
            with students.",
        ),
        Tag("{{/if}}"),
        Text(
            "**Changes to services.** A change to the Program’s scope, schedule or \
            contact time that affects students is agreed in writing by both lead contacts \
            before it takes effect.",
        ),
        Section("Schools and Students Served"),
        Tag("{{#if district_wide}}"),
        Text("The Program is offered district-wide, at every school of {{district_name}}."),
        Tag("{{else}}"),
        Text(
            "The Program serves students at \
            {{plural num_schools \"one school\" \"the following schools\"}}:",
        ),
        Tag("{{#each schools}}"),
        Bullet("{{this}}"),
        Tag("{{/each}}"),
        Tag("{{/if}}"),
        Text(
            "The Parties expect the Program to serve about {{students_served}} \
            {{plural students_served \"student\" \"students\"}}. Participation is open to \
            eligible students without regard to race, color, national origin, sex, \
            disability, religion or any other characteristic protected by law, and \
            students are enrolled only through the process agreed with each school.",
        ),
        Section("Term"),
        Text(
            "This Agreement covers the Program from **{{date start_date}}** through \
            **{{date end_date}}**, a term of {{duration_days}} \
            {{plural duration_days \"day\" \"days\"}}.",
        ),
        Text(
            "It takes effect on the later of the start date and the date of the last \
            signature below{{#if board_approval}}, and in no case before the Board of \
            Education approves it{{/if}}. It ends on the end date unless the Parties renew \
            it in writing or it is ended earlier as described under Termination.",
        ),
        Section("Roles and Responsibilities"),
        Heading("The District will"),
        Bullet(
            "name {{district_lead}} as the District lead, who coordinates the Program \
            with school staff and the Partner;",
        ),
        Bullet(
            "give the Partner access to the school facilities, schedules and \
            communication channels agreed for the Program;",
        ),
        Bullet(
            "share the District policies, safety procedures and school calendars that \
            apply to the Program;",
        ),
        Bullet(
            "identify and refer students, and communicate with families, as agreed with \
            the Partner;",
        ),
        Bullet(
            "review the Program’s progress with the Partner and pass on feedback from \
            schools and families.",
        ),
        Heading("The Partner will"),
        Bullet(
            "deliver the Program as described in this Agreement, with qualified staff \
            and volunteers;",
        ),
        Bullet(
            "make sure every person who works with students has completed the \
            District’s required background checks and training before starting;",
        ),
        Bullet(
            "follow District policies, school rules and the directions of school \
            administrators while on District property;",
        ),
        Bullet(
            "keep records of participation and services, and report them to the \
            District lead as agreed;",
        ),
        Bullet("protect student information as described under Student Privacy and Data;"),
        Bullet(
            "carry the insurance the District requires and give proof of coverage \
            before the Program starts.",
        ),
        Heading("Both Parties will"),
        Bullet(
            "communicate openly and promptly, and solve problems together in the \
            students’ best interest;",
        ),
        Bullet(
            "make decisions about the Program as set out in the Decision-Making \
            Matrix;",
        ),
        Bullet(
            "acknowledge each other’s role in public communications about the Program, \
            and use the other Party’s name or logo only with its written permission.",
        ),
        Section("Communication Plan"),
        Bullet(
            "**Lead contacts.** {{district_lead}} for the \
            District{{#if partner_contact}} and {{partner_contact}} for the Partner{{/if}} \
            are the first point of contact for questions about the Program.",
        ),
        Bullet(
            "**Regular check-ins.** The lead contacts meet at least once each quarter, \
            and more often while the Program is starting, to review schedules, \
            participation and concerns.",
        ),
        Bullet(
            "**Urgent matters.** A Party tells the other the same day about any \
            incident involving student safety, and follows the District’s incident \
            reporting procedures.",
        ),
        Bullet(
            "**Families and the public.** Communications to families go through the \
            school or are approved by the District lead. Media inquiries about the Program \
            are referred to the District.",
        ),
        Bullet(
            "**Notices.** Formal notices under this Agreement are given in writing, by \
            e-mail or letter, to the lead contacts above, with a copy to the \
            {{partnerships_office}} at {{partnerships_email}}.",
        ),
        Section("Student Privacy and Data"),
        Text(
            "The level of student data the District will share with the Partner for this \
            Program is: **{{data_shared}}**. The levels mean:",
        ),
        Block::Table(&DATA_LEVELS),
        Tag("{{#if data_agreement}}"),
        Text(
            "**Data-sharing agreement required.** Before any student data is shared, the \
            Parties will sign a separate data-sharing agreement that complies with the \
            Family Educational Rights and Privacy Act (FERPA), state law and District \
            policy. No student data is shared under this Agreement until that agreement is \
            in effect.",
        ),
        Tag("{{/if}}"),
        Text(
            "**Student privacy duties.** Whatever the level of data shared, the Partner \
            will:",
        ),
        Bullet(
            "use student information only to deliver the Program, and never sell it or \
            use it for marketing;",
        ),
        Bullet(
            "keep student information secure, limit access to the staff who need it, \
            and disclose it to no one else without the District’s written permission or, \
            where the law requires it, a parent’s written consent;",
        ),
        Bullet(
            "not photograph, record or publish images of students without written \
            consent obtained through the District;",
        ),
        Bullet(
            "tell the District lead within 24 hours of learning of any unauthorized \
            access to or disclosure of student information;",
        ),
        Bullet(
            "return or securely destroy student information when this Agreement ends, \
            and confirm this in writing.",
        ),
        Section("Financial Responsibility"),
        Text("The resources each Party commits to the Program are:"),
        Block::Table(&FINANCES),
        Text(
            "Each Party pays its own costs of carrying out this Agreement except as shown \
            above. The District’s commitment depends on funds being available and approved \
            in its budget. The Partner will not charge students or families for taking \
            part in the Program unless the District agrees in writing.",
        ),
        Tag("{{#if contract_review}}"),
        Text(
            "**Contract review.** Any payment by the District to the Partner is made \
            under a contract or purchase order whose terms follow District purchasing \
            policy and which the District reviews before it is signed. This Agreement does \
            not by itself authorize any payment.",
        ),
        Tag("{{/if}}"),
        Section("Monitoring and Evaluation"),
        Bullet(
            "The lead contacts will track participation and the Program’s progress \
            toward its goals, using measures they agree on when the Program starts.",
        ),
        Bullet(
            "The Parties will revisit this Agreement and the Decision-Making Matrix \
            together by **{{date review_date}}**, and at least once a year while the \
            partnership continues, to decide whether to continue, change or end it.",
        ),
        Bullet(
            "The Partner will give the District a short summary of the services \
            delivered and their results at the end of each school year and when the \
            Agreement ends.",
        ),
        Bullet(
            "Any change to this Agreement is made in writing and signed by both \
            Parties.",
        ),
        Section("Termination"),
        Bullet(
            "Either Party may end this Agreement for any reason by giving the other \
            Party thirty (30) days’ written notice.",
        ),
        Bullet(
            "The District may suspend or end the partnership at once, by written \
            notice, if it finds that continuing would endanger the health, safety or \
            privacy of students or staff, or if the Partner breaches District policy or \
            this Agreement.",
        ),
        Bullet(
            "When the Agreement ends, the Parties will finish or wind down services in \
            a way that limits disruption for students, and the Partner will return or \
            destroy student information as required above.",
        ),
        Section("Compliance with District Policy"),
        Text(
            "The Partner, and everyone who works on the Program for it, will follow all \
            District policies and administrative regulations that apply and all applicable \
            laws, including those on:",
        ),
        Bullet(
            "background checks, fingerprint clearance and health screening for people \
            who work with students;",
        ),
        Bullet("mandated reporting of suspected child abuse or neglect;"),
        Bullet("non-discrimination, anti-harassment and accessibility;"),
        Bullet(
            "student supervision, safety and emergency procedures, including visitor \
            sign-in at each school;",
        ),
        Bullet("the use of District facilities, technology and property."),
        Text(
            "Nothing in this Agreement makes either Party the employee, agent or legal \
            partner of the other. Each Party is responsible for the acts of its own staff \
            and volunteers.",
        ),
        Section("Intensity Level and Approvals"),
        Text(
            "The District rated this partnership with its Partnership Rubric. Its \
            intensity level is **{{intensity_label}}**{{#if points}} ({{points}} \
            points){{/if}}.",
        ),
        Tag("{{#if overridden}}"),
        Text(
            "The rubric gave {{computed_intensity_label}}; the District set the level to \
            {{intensity_label}} (reason: {{override_reason}}).",
        ),
        Tag("{{/if}}"),
        Text("**Developed by:** {{developed_by}}."),
        Text("What this level requires:"),
        Block::Table(&REQUIREMENTS),
        Tag("{{#if board_notification}}"),
        Text(
            "**Board notification.** The District will inform the Board of Education of \
            this partnership{{#if board_meeting}} at its meeting of \
            {{date board_meeting}}{{/if}}.",
        ),
        Tag("{{/if}}"),
        Tag("{{#if board_approval}}"),
        Text(
            "**Board approval.** This Agreement requires review and approval by the Board \
            of Education before it takes effect, and does not bind the District until the \
            Board has approved it.",
        ),
        Tag("{{/if}}"),
        Tag("{{#if moa_optional}}"),
        Text(
            "**Optional agreement.** For a low-intensity partnership, a Memorandum of \
            Agreement is encouraged but optional. It is developed by the principal or \
            department administrator together with the Partner.",
        ),
        Tag("{{/if}}"),
        Heading("Partnership Rubric results"),
        Block::Table(&RUBRIC),
        Note(
            "Ratings follow the District’s Partnership Rubric as applied on \
            {{date as_of}}.",
        ),
        Section("Signatures"),
        Text(
            "By signing below, each Party agrees to the terms of this \
            Agreement{{#if board_approval}}, subject to approval by the Board of \
            Education{{/if}}. Each signer confirms that they are authorized to sign for \
            their organization.",
        ),
        Signatures(&[
            &[
                "**For {{district_name}}**",
                "Signature: {{signature \"district\"}}",
                "Name: {{superintendent}}",
                "Title: Superintendent",
                "Date: ____________________",
            ],
            PARTNER_SIGNATURE,
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
        &[
            "none",
            "No student information is shared with the Partner.",
        ],
        &[
            "aggregate",
            "Only totals and summaries about groups of students, such as the number of \
                students served, are shared. No record describes an individual student.",
        ],
        &[
            "de-identified",
            "Records about individual students are shared with names, ID numbers and other \
                identifying details removed, so that no student can reasonably be \
                identified.",
        ],
        &[
            "student-level",
            "Records that identify individual students are shared, only to deliver the \
                Program and only under a signed data-sharing agreement.",
        ],
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

const REQUIREMENTS: Grid = Grid {
    columns: &[col(900), col(8460)],
    rows: &[
        &["Applies", "Requirement"],
        &["{{checkbox moa_required}}", "A Memorandum of Agreement is required"],
        &["{{checkbox board_notification}}", "The Board of Education is notified"],
        &["{{checkbox board_approval}}", "The Board of Education approves this Agreement"],
        &[
            "{{checkbox contract_review}}",
            "Contract terms are reviewed under District purchasing policy",
        ],
        &["{{checkbox data_agreement}}", "A separate data-sharing agreement is signed"],
    ],
    look: Look::HeaderRow,
};

const RUBRIC: Grid = Grid {
    columns: &[col(1900), col(1800), col(1300), col(4360)],
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

const PARTNER_SIGNATURE: &[&str] = &[
    "**For {{partner_name}}**",
    "Signature: {{signature \"partner\"}}",
    "Name: {{#if partner_contact}}{{partner_contact}}{{else}}______________________{{/if}}",
    "Title: ____________________",
    "Date: ____________________",
];

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
        Text(
            "This matrix records who makes each key decision about the Program and how \
            the other Party takes part. It is attached to, and forms part of, the \
            Memorandum of Agreement between the Parties.",
        ),
        Section("Decisions"),
        Block::Table(&DECISIONS),
        Tag("{{#unless decisions}}"),
        Text(
            "No decisions have been recorded yet. The Parties will complete this matrix \
            together before the Memorandum of Agreement is signed.",
        ),
        Tag("{{/unless}}"),
        Section("Role Codes"),
        Block::Table(&ROLE_CODES),
        Text(
            "A role may also be written in words, for example “Decides after consulting \
            the principal”. A blank cell means that Party has no part in the decision.",
        ),
        Section("Review"),
        Text(
            "The Parties review this matrix together with the Memorandum of Agreement \
            whenever they revisit the partnership, and no later than \
            **{{date review_date}}**. A change to a decision or a role is recorded in an \
            updated matrix signed by both Parties.",
        ),
        Section("Signatures"),
        Signatures(&[
            &[
                "**For {{district_name}}**",
                "Signature: {{signature \"district\"}}",
                "Name: {{district_lead}}",
                "Title: District lead",
                "Date: ____________________",
            ],
            PARTNER_SIGNATURE,
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
    columns: &[col(3000), col(1400), col(1400), col(3560)],
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

// ---------------------------------------------------------------------------------------
// The Board agenda attachment, one per Board meeting
// ---------------------------------------------------------------------------------------

const BOARD: Template = Template {
    file: "board-attachment.docx",
    title: "Board Agenda Attachment: Community Partnerships",
    header_left: "{{district_short_name}} · Board of Education",
    header_right: "Meeting of {{date meeting_date}}",
    body: &[
        Title("Community Partnerships"),
        Subtitle("Board of Education meeting of {{date meeting_date}}"),
        Byline("{{district_name}} · {{partnerships_office}} · prepared {{date as_of}}"),
        Text(
            "Under the District’s partnership guidelines, the Board of Education is \
            informed of every medium- and high-intensity partnership, and reviews and \
            approves the final agreement of every high-intensity partnership. The Board \
            may recategorize a medium-intensity partnership as high. Intensity comes from \
            the District’s Partnership Rubric; the reason for each level is given below.",
        ),
        Text(
            "**Action items:** {{approval_count}} \
            {{plural approval_count \"partnership\" \"partnerships\"}} for approval. \
            **Information items:** {{information_count}} \
            {{plural information_count \"partnership\" \"partnerships\"}} reported to the \
            Board.",
        ),
        Section("Action Items: Partnerships for Board Approval"),
        Text(
            "{{approval_count}} high-intensity \
            {{plural approval_count \"partnership needs\" \"partnerships need\"}} the \
            Board’s review and approval. Each Memorandum of Agreement and Decision-Making \
            Matrix follows this attachment in the Board packet.",
        ),
        Tag("{{#each approval}}"),
        Heading("{{item_number}}. {{partner_name}}: {{program_name}}"),
        Block::Table(&ITEM_FACTS),
        Block::Table(&ITEM_RUBRIC),
        Tag("{{/each}}"),
        Tag("{{#unless approval}}"),
        Text("No partnership needs the Board’s approval at this meeting."),
        Tag("{{/unless}}"),
        Section("Information Items: Partnerships Reported to the Board"),
        Text(
            "{{information_count}} medium-intensity \
            {{plural information_count \"partnership is\" \"partnerships are\"}} reported \
            to the Board for its information. Each was developed with the Partnerships \
            Office and is written up as a Memorandum of Agreement with a Decision-Making \
            Matrix.",
        ),
        Tag("{{#each information}}"),
        Heading("{{item_number}}. {{partner_name}}: {{program_name}}"),
        Block::Table(&ITEM_FACTS),
        Block::Table(&ITEM_RUBRIC),
        Tag("{{/each}}"),
        Tag("{{#unless information}}"),
        Text("No partnership is reported for information at this meeting."),
        Tag("{{/unless}}"),
        Note(
            "Student privacy duties apply to every partnership whatever its intensity. \
            Questions about an item go to the {{partnerships_office}} at \
            {{partnerships_email}}.",
        ),
    ],
};

const ITEM_FACTS: Grid = Grid {
    columns: &[col(2200), col(7160)],
    rows: &[
        &["Partnership", "{{partnership_id}}"],
        &["Partner", "{{partner_name}}{{#if partner_type}} ({{partner_type}}){{/if}}"],
        &["Program", "{{program_name}} ({{program_scope}} programming)"],
        &[
            "Schools",
            "{{#if district_wide}}District-wide ({{num_schools}} schools){{else}}\
            {{join schools}}{{/if}}",
        ],
        &["Students served", "{{students_served}}"],
        &[
            "Resources",
            "District funds {{money district_funds}} · Partner funds \
            {{money partner_funds}} · In-kind {{money in_kind_value}} · Total \
            {{money total_resources}}",
        ],
        &[
            "Term",
            "{{date start_date}} to {{date end_date}} ({{duration_days}} \
            {{plural duration_days \"day\" \"days\"}})",
        ],
        &[
            "Data shared",
            "{{data_shared}}{{#if data_agreement}} (a data agreement is required){{/if}}",
        ],
        &[
            "Intensity and reason",
            "**{{intensity_label}}.** {{#if overridden}}Set by override (the rubric gave \
            {{computed_intensity_label}}): {{override_reason}}{{else}}\
            {{scoring_explanation}}{{/if}}",
        ],
        &["District lead", "{{district_lead}}"],
        &["Review date", "{{date review_date}}"],
    ],
    look: Look::LabelColumn,
};

const ITEM_RUBRIC: Grid = Grid {
    columns: &[col(2200), col(5560), col(1600)],
    rows: &[
        &["Rubric criterion", "Value", "Level"],
        &["{{#each rubric}}{{criterion}}", "{{value}}", "{{level_label}}{{/each}}"],
    ],
    look: Look::HeaderRow,
};

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
    "scoring_explanation",
    "floors_applied",
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
    // Fields of a Board meeting and of each of its items.
    "meeting_date",
    "approval",
    "information",
    "approval_count",
    "information_count",
    "item_count",
    "item_number",
    // Fields of a rubric row and of a decision, and a plain list item.
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
    "signature",
    "#each",
    "/each",
    "#if",
    "/if",
    "#unless",
    "/unless",
    "else",
];

/// Checks every tag of a template: each is closed and names only known fields and helpers.
pub fn check_template(template: &Template) -> Result<(), String> {
    texts(template)
        .into_iter()
        .try_for_each(check_tags)
        .map_err(|problem| format!("{}: {problem}", template.file))
}

/// Every piece of text a template holds.
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

fn check_tags(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(length) = rest[start..].find("}}") else {
            return Err(format!("unclosed tag in {text:?}"));
        };
        check_tag(&rest[start + 2..start + length])?;
        rest = &rest[start + length + 2..];
    }
    Ok(())
}

/// Checks the words of one tag; quoted arguments are left alone.
fn check_tag(tag: &str) -> Result<(), String> {
    let unquoted: Vec<&str> = tag.split('"').step_by(2).collect();
    let words = unquoted.iter().flat_map(|part| part.split_whitespace());
    match words.into_iter().find(|word| !KNOWN_NAMES.contains(word)) {
        Some(word) => Err(format!("unknown name {word:?} in tag {{{{{tag}}}}}")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_arguments_and_known_names_pass() {
        assert!(check_tags(r#"{{date start_date "%m/%d/%Y"}} {{#each rubric}}"#).is_ok());
    }

    #[test]
    fn an_unknown_field_or_an_unclosed_tag_fails() {
        assert!(check_tags("{{partner_nmae}}").unwrap_err().contains("partner_nmae"));
        assert!(check_tags("{{partner_name").unwrap_err().contains("unclosed"));
    }
}
