//! Data-management commands: `import-roster`, `demo-data`, `settings`, `audit verify`.

use super::{CommandResult, Outcome, open_desk, open_store, operator_name, parse_date, print_json};
use crate::clock;
use crate::demo;
use crate::store::import::{self, Mode, Options};
use crate::store::settings;
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The roster file: tiepdon's CSV, another CSV/TSV (UTF-8), Excel (.xlsx/.xls/.ods), an XML 130
    /// claim file, or a gateway-cache export (see README).
    pub file: PathBuf,
    /// Where the rows come from (default: told by the file; a table that is not tiepdon's CSV counts as
    /// a HIS export). `--replace` replaces this source's rows only.
    #[arg(long, value_enum)]
    pub source: Option<crate::store::roster_file::Origin>,
    /// A column the header does not name by itself: "Header=column", e.g. "Số thẻ=card_number",
    /// "Giới tính=sex:1=Nữ,2=Nam", "Họ=name_first", "Tên=name_last", "Ghi chú=ignore" (repeatable).
    #[arg(long = "map")]
    pub map: Vec<String>,
    /// Drop the previously imported roster first (cards learned from scans stay).
    #[arg(long, conflicts_with = "merge")]
    pub replace: bool,
    /// Add new cards and update known ones (the default).
    #[arg(long)]
    pub merge: bool,
    /// Import the good rows and write the bad ones to the reject file, instead of importing nothing.
    #[arg(long)]
    pub skip_bad: bool,
    /// Where `--skip-bad` writes bad rows (default: FILE.rejects.csv).
    #[arg(long)]
    pub reject_file: Option<PathBuf>,
    /// `as_of` for rows that leave it empty, YYYY-MM-DD.
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    #[arg(long, env = "TIEPDON_OPERATOR")]
    pub operator: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// The roster file.
    pub file: PathBuf,
    /// Mappings to try, as for import-roster.
    #[arg(long = "map")]
    pub map: Vec<String>,
}

/// `inspect-roster`: the file's header, each column's mapping and masked samples, as JSON.
pub fn inspect_roster(db: Option<&str>, args: &InspectArgs) -> CommandResult {
    let store = open_store(db)?;
    print_json(&import::inspect(&store, &args.file, &args.map)?);
    Ok(Outcome::Done)
}

fn progress_bar(total: u64) -> ProgressBar {
    // Drawn on stderr only when it is a terminal.
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {bar:40} {bytes}/{total_bytes} ({eta})") {
        bar.set_style(style);
    }
    bar
}

pub fn import_roster(db: Option<&str>, args: &ImportArgs) -> CommandResult {
    let operator = operator_name(args.operator.as_deref())?;
    // On a clinic server, the file is imported into this desk's replica with every rule of a file
    // import, then published to the server for the other desks.
    let mut desk = open_desk(db)?;
    let reject_file = args.reject_file.clone().unwrap_or_else(|| {
        let mut name = args.file.clone().into_os_string();
        name.push(".rejects.csv");
        PathBuf::from(name)
    });
    let opts = Options {
        mode: if args.replace { Mode::Replace } else { Mode::Merge },
        skip_bad: args.skip_bad,
        reject_file: Some(reject_file),
        default_as_of: args.as_of,
        origin: args.source,
        map: args.map.clone(),
    };
    let bar = progress_bar(0);
    let mut progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let now = clock::now_utc();
    let result =
        import::import(desk.store().local(), &args.file, &opts, operator.as_str(), now, &mut progress);
    bar.finish_and_clear();
    let summary = result?;
    if summary.committed
        && let Some(rows) = desk.publish_roster(&operator, now)?
    {
        eprintln!("tiepdon: đã gửi danh sách lên máy chủ / roster published to the server: {rows} rows");
    }
    for c in &summary.unknown_columns {
        eprintln!("tiepdon: bỏ qua cột không biết / ignored unknown column: {c}");
    }
    for b in summary.bad_rows.iter().take(20) {
        eprintln!("tiepdon: dòng / line {}: {} / {}", b.line, b.reason_vi, b.reason_en);
    }
    if summary.rejected > 20 {
        eprintln!("tiepdon: … {} dòng lỗi / bad rows in all", summary.rejected);
    }
    if !summary.committed {
        eprintln!(
            "tiepdon: không nhập gì vì có {} dòng lỗi (dùng --skip-bad để nhập các dòng đúng) / nothing imported: \
             {} bad rows (use --skip-bad to import the good ones)",
            summary.rejected, summary.rejected
        );
    }
    print_json(&summary);
    Ok(if summary.committed && summary.rejected == 0 { Outcome::Done } else { Outcome::Rejected })
}

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// How many invented roster records.
    #[arg(long, default_value_t = 200)]
    pub cards: u64,
    /// Seed of the generator (the same seed gives the same people).
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// Write a roster CSV to this file instead of filling the database.
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

pub fn demo_data(db: Option<&str>, args: &DemoArgs) -> CommandResult {
    let today = clock::vietnam_now().date();
    if let Some(path) = &args.csv {
        let written = std::fs::File::create(path).and_then(|f| {
            let mut w = BufWriter::with_capacity(1 << 20, f);
            writeln!(w, "{}", demo::csv_header())?;
            for i in 0..args.cards {
                writeln!(w, "{}", demo::csv_line(&demo::person(i, args.seed, today)))?;
            }
            w.flush()
        });
        written
            .map_err(|e| Outcome::Failed(format!("không ghi được / cannot write {}: {e}", path.display())))?;
        print_json(&serde_json::json!({"csv": path.display().to_string(), "rows": args.cards}));
        return Ok(Outcome::Done);
    }
    let mut desk = open_desk(db)?;
    let now = clock::now_utc();
    // Invented people on a clinic's real server would mix with its patients: a server takes demo data
    // only while it holds no visit and no roster (a server being tried out).
    if desk.location().is_server() && !desk.is_fresh()? {
        return Err(Outcome::Failed(
            "máy chủ đã có lượt khám hoặc danh sách thẻ: không thêm dữ liệu demo (người giả) vào đó / the server \
             already holds visits or a roster: demo data (invented people) is not added to it"
                .into(),
        ));
    }
    demo::fill(desk.store().local(), args.cards, args.seed, now)?;
    let demo = crate::desk::Operator::parse("demo")?;
    if desk.publish_roster(&demo, now)?.is_some() {
        // The clinic's settings live on the server: the demo's, where the server has none.
        let local = settings::show(&settings::load(desk.store().local().conn())?);
        let server = settings::show(&desk.settings()?);
        for key in [
            "demo",
            "facility_code",
            "clinic_name",
            "expertise_level",
            "exam_service_code",
            "exam_service_name",
        ] {
            let unset = server[key].is_null() || (key == "demo" && server[key] == false);
            if let (true, Some(value)) = (
                unset,
                local[key]
                    .as_str()
                    .map(str::to_string)
                    .or_else(|| local[key].as_bool().map(|b| b.to_string())),
            ) {
                desk.set_setting(key, &value, &demo, None, now)?;
            }
        }
    }
    print_json(
        &serde_json::json!({"database": desk.location().to_string(), "cards": args.cards, "demo": true}),
    );
    Ok(Outcome::Done)
}

#[derive(Debug, clap::Subcommand)]
pub enum SettingsCommand {
    /// Print every setting with its effective value.
    Show,
    /// Change one setting (validated; audited).
    Set {
        key: String,
        value: String,
        #[arg(long, env = "TIEPDON_OPERATOR")]
        operator: Option<String>,
        /// The current supervisor PIN, to change or remove it once set.
        #[arg(long, env = "TIEPDON_SUPERVISOR_PIN", hide_env_values = true)]
        pin: Option<String>,
    },
}

pub fn settings(db: Option<&str>, cmd: &SettingsCommand) -> CommandResult {
    let mut desk = open_desk(db)?;
    if let SettingsCommand::Set { key, value, operator, pin } = cmd {
        let operator = operator_name(operator.as_deref())?;
        desk.set_setting(key, value, &operator, pin.as_deref(), clock::now_utc())?;
    }
    print_json(&settings::show(&desk.settings()?));
    Ok(Outcome::Done)
}

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain and name the first row that was changed.
    Verify,
}

pub fn audit_cmd(db: Option<&str>, cmd: &AuditCommand) -> CommandResult {
    let AuditCommand::Verify = cmd;
    let mut desk = open_desk(db)?;
    let v = desk.verify_audit()?;
    if !v.ok {
        let what = match (v.first_bad_id, v.first_bad_visit) {
            (Some(row), _) => format!("dòng nhật ký / audit row {row}"),
            (None, Some(visit)) => format!("lượt khám / visit {visit}"),
            (None, None) => String::new(),
        };
        eprintln!(
            "tiepdon: dữ liệu đã bị sửa ngoài ứng dụng / data was changed outside tiepdon: {what}: {}",
            v.problem.as_deref().unwrap_or("")
        );
    }
    print_json(&v);
    Ok(if v.ok { Outcome::Done } else { Outcome::Rejected })
}

#[cfg(feature = "server")]
#[derive(Debug, clap::Args)]
pub struct InitServerArgs {
    /// The server's libpq URL, as a superuser or the database's owner (the password is never printed).
    pub url: String,
}

/// `init-server URL`: the schema, the desk and supervisor roles, and the SQL that gives each desk a login.
#[cfg(feature = "server")]
pub fn init_server(args: &InitServerArgs) -> CommandResult {
    let crate::store::Location::Server(url) = crate::store::Location::parse(&args.url)? else {
        return Err(Outcome::Failed(
            "init-server cần địa chỉ máy chủ postgres://… / init-server needs a server URL postgres://…"
                .into(),
        ));
    };
    let version = crate::store::server::init_server(&url)?;
    let roles = crate::store::server::roles_sql();
    eprintln!(
        "tiepdon: tạo đăng nhập cho từng quầy (psql, quyền quản trị) / create each desk's login (psql, as an admin):\n{roles}"
    );
    print_json(&serde_json::json!({"server": url.shown(), "schema_version": version, "roles_sql": roles}));
    Ok(Outcome::Done)
}
