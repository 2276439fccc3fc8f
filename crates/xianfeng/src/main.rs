//! `xianfeng`: the one binary. `serve` runs the product; the other subcommands administer it.

use std::io::{BufReader, BufWriter, Read};
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use xianfeng::{
    check_url, choose_key, default_key_file, open_store, unknown_env, DEFAULT_DATABASE_URL,
};
use xianfeng_domain::scope::{Role, Scope};
use xianfeng_domain::Clock;
use xianfeng_store::accounts::RoleGrant;
use xianfeng_store::audit::{Actor, AuditEvent, Verdict};
use xianfeng_store::Store;
use xianfeng_web::WebConfig;

#[derive(Parser)]
#[command(name = "xianfeng", version, about = "先锋：基层党建工作平台", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Options every subcommand takes.
#[derive(Args, Clone)]
struct DbArgs {
    /// 数据库地址：sqlite://文件路径 或 postgres://用户@主机/库名
    #[arg(long, env = "XIANFENG_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    database_url: String,
    /// 数据加密密钥文件（默认：SQLite 为数据库文件旁的 xianfeng.key，PostgreSQL 为当前目录的 xianfeng.key；只为还没有加密数据的数据库生成）
    #[arg(long, env = "XIANFENG_KEY_FILE", global = true)]
    key_file: Option<PathBuf>,
}

impl DbArgs {
    /// The key file in use: the one given, or the database's default.
    fn key_file(&self) -> PathBuf {
        self.key_file
            .clone()
            .unwrap_or_else(|| default_key_file(&self.database_url))
    }
}

#[derive(Subcommand)]
enum Command {
    /// 启动服务
    Serve(ServeArgs),
    /// 创建或升级数据库结构
    Migrate(DbOnly),
    /// 账号管理：创建账号、重置密码、签发接口令牌
    Admin(AdminArgs),
    /// 审计日志：校验哈希链
    Audit(AuditArgs),
    /// 在线备份到文件（一致性快照，可恢复到 SQLite 或 PostgreSQL）
    Backup(BackupArgs),
    /// 从备份文件恢复到一个新的空数据库
    Restore(BackupArgs),
    /// 性能基准：在一个新的数据库中生成数据并测量（结果见 docs/benchmarks.md）
    Bench(BenchArgs),
    /// 导入电子表格（XLSX、XLS、CSV）
    Import(ImportArgs),
    /// 党内统计：某组织及其下级在某日的统计表
    Stats(StatsArgs),
    /// 在一个空数据库中生成演示数据（区县或省级规模）
    Demo(DemoArgs),
    /// 合规检查：按规则目录检查发展党员程序、组织设置和党员信息（规则说明见 docs/rules.md）
    Check(CheckArgs),
    /// 检查规则的数值配置：查看或设置（按生效日期分版本，可关闭地方性规则）
    Rules(RulesArgs),
    /// 组织生活配置：班子职务和会议类型的列表（JSON），查看或设置
    Life(RulesArgs),
    /// 数据加密密钥：查看所用密钥是否与数据库相符，或更换密钥
    Key(KeyArgs),
}

#[derive(Args)]
struct KeyArgs {
    #[command(subcommand)]
    command: KeyCommand,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Subcommand)]
enum KeyCommand {
    /// 显示所用密钥的来源和指纹，以及数据库记录的指纹
    Status,
    /// 更换密钥：用新密钥重新加密全部身份证号并重算检索键（一个事务，记入审计），此后原密钥被拒绝
    Rotate {
        /// 新密钥文件：已存在则读取其中的密钥，不存在则生成新密钥写入（权限 600）
        #[arg(long)]
        new_key_file: PathBuf,
    },
}

#[derive(Args)]
struct RulesArgs {
    #[command(subcommand)]
    command: RulesCommand,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// 输出当前配置（JSON）
    Show,
    /// 从 JSON 文件设置配置（格式同 show 的输出），并立即重新检查全部记录
    Set {
        /// JSON 文件
        file: PathBuf,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum CheckFormat {
    Table,
    Json,
    Xlsx,
}

#[derive(Args)]
struct CheckArgs {
    /// 组织代码（检查该组织及其全部下级；不指定则检查全部）
    #[arg(long)]
    org: Option<String>,
    /// 检查日期（默认今天）：在该日之后登记的步骤视为尚未发生
    #[arg(long)]
    as_of: Option<String>,
    /// 只报告编号以此开头的规则，如 DEV、DEV-007、ORG
    #[arg(long)]
    rule: Option<String>,
    /// 输出格式
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    format: CheckFormat,
    /// 输出文件（xlsx 格式必填；其他格式默认输出到终端）
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum StatsFormat {
    Table,
    Json,
    Xlsx,
}

#[derive(Args)]
struct StatsArgs {
    /// 组织代码（统计该组织及其全部下级）
    #[arg(long)]
    org: String,
    /// 统计日期（默认今天），如 2025-12-31
    #[arg(long)]
    as_of: Option<String>,
    /// 输出格式
    #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
    format: StatsFormat,
    /// 输出文件（xlsx 格式必填；其他格式默认输出到终端）
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// 不用维护的计数，逐人重新清点名册（参照结果，用于核对；规模大时较慢）
    #[arg(long)]
    recount: bool,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Args)]
struct DemoArgs {
    /// 规模：district 为一个区县（968 个组织、34921 名党员），province 为一个省（十万个组织、三百万名党员）
    #[arg(long, value_enum, default_value_t = xianfeng::demo::Scale::District)]
    scale: xianfeng::demo::Scale,
    /// 随机种子：同一种子、同一天生成的数据相同
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Args)]
struct ImportArgs {
    #[command(subcommand)]
    command: ImportCommand,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Output {
    Table,
    Json,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// 导入组织（组织名称、组织代码、组织类别、上级组织代码、所属领域、成立日期）
    Orgs {
        /// 文件（XLSX、XLS，或 UTF-8 / GB18030 编码的 CSV）
        file: PathBuf,
        /// 没有填写上级组织代码的行放在此组织之下（不指定则作为顶层组织）
        #[arg(long)]
        org: Option<String>,
        /// 只检查，不写入
        #[arg(long)]
        dry_run: bool,
        /// 有出错的行时，仍写入其余正确的行
        #[arg(long)]
        accept_valid: bool,
        /// 报告格式
        #[arg(long, value_enum, default_value_t = Output::Table)]
        format: Output,
    },
    /// 导入发展党员档案（台账）：有任何一行无法读取时不写入；违反规定的历史记录照实导入，由合规检查报告
    Development {
        /// 文件（XLSX、XLS，或 UTF-8 / GB18030 编码的 CSV）
        file: PathBuf,
        /// 导入到哪个组织之下（组织代码）；“所在党组织”须在此组织之内
        #[arg(long)]
        org: Option<String>,
        /// 只检查，不写入
        #[arg(long)]
        dry_run: bool,
        /// 报告格式
        #[arg(long, value_enum, default_value_t = Output::Table)]
        format: Output,
    },
    /// 导入历史会议（会议日期、会议类型、会议主题、应到人数、实到人数等）：有任何一行出错时不写入
    Meetings {
        /// 文件（XLSX、XLS，或 UTF-8 / GB18030 编码的 CSV）
        file: PathBuf,
        /// 导入到哪个组织之下（组织代码）；没有“所在党组织”的行登记在此组织
        #[arg(long)]
        org: Option<String>,
        /// 只检查，不写入
        #[arg(long)]
        dry_run: bool,
        /// 报告格式
        #[arg(long, value_enum, default_value_t = Output::Table)]
        format: Output,
    },
    /// 导入党员名册：有任何一行出错时默认不写入（只给出报告）
    Members {
        /// 文件（XLSX、XLS，或 UTF-8 / GB18030 编码的 CSV）
        file: PathBuf,
        /// 导入到哪个组织之下（组织代码）；文件中没有“所在党组织”列时人员都登记在此组织
        #[arg(long)]
        org: Option<String>,
        /// 只检查，不写入
        #[arg(long)]
        dry_run: bool,
        /// 有出错的行时，仍写入其余正确的行
        #[arg(long)]
        accept_valid: bool,
        /// 报告格式
        #[arg(long, value_enum, default_value_t = Output::Table)]
        format: Output,
    },
}

#[derive(Args)]
struct BenchArgs {
    #[command(subcommand)]
    command: BenchCommand,
    /// 基准测试用的数据库（默认在临时目录新建 SQLite 文件；PostgreSQL 请给一个空库）
    #[arg(long)]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// 党员名册：一个子树下的首页、末页、姓名与身份证号检索
    Roster {
        /// 党员人数
        #[arg(long, default_value_t = 35_000)]
        members: u32,
        /// 每项测量次数（取中位数）
        #[arg(long, default_value_t = 30)]
        runs: u32,
    },
    /// 名册导入：先锋区名册 XLSX，对比 calamine 读取 + 预编译 INSERT 的基线
    Import {
        /// 行数
        #[arg(long, default_value_t = 35_000)]
        rows: usize,
        /// 测量次数（取中位数）
        #[arg(long, default_value_t = 5)]
        runs: u32,
    },
    /// 党内统计：区县或省级演示数据的全表统计，对比数据库命令行中手写 GROUP BY 的基线
    Stats {
        /// 规模（库为空时按此生成演示数据；库中已有数据时直接测量）
        #[arg(long, value_enum, default_value_t = xianfeng::demo::Scale::District)]
        scale: xianfeng::demo::Scale,
        /// 测量次数（取中位数）
        #[arg(long, default_value_t = 10)]
        runs: u32,
    },
    /// 截止前集中报送：区县各党支部同时报送半月报（每份两个接收单位），核对无丢失、无重复，对比无索引的逐份插入
    Surge {
        /// 报送份数
        #[arg(long, default_value_t = 20_000)]
        submissions: usize,
        /// 测量次数（取中位数）
        #[arg(long, default_value_t = 3)]
        runs: u32,
    },
    /// 页面：启动真实服务，在已有的演示库（xianfeng demo）上以不同连接数请求名册、组织、合规检查、统计页和接口，对比同一次测量中的 /healthz
    Pages {
        /// 页面的组织（组织代码；默认第一个顶层组织）
        #[arg(long)]
        org: Option<String>,
        /// 连接数，逗号分隔
        #[arg(long, default_value = "1,16,64")]
        connections: String,
        /// 每个页面、每个连接数测量几秒
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// 数据加密密钥文件（默认与 serve 相同）
        #[arg(long)]
        key_file: Option<PathBuf>,
    },
    /// 合规检查：全库检查（库为空时按规模生成演示数据），对比只读取并解密全部记录的基线
    Check {
        /// 规模（库为空时按此生成演示数据；库中已有数据时直接测量）
        #[arg(long, value_enum, default_value_t = xianfeng::demo::Scale::District)]
        scale: xianfeng::demo::Scale,
        /// 测量次数（取中位数）
        #[arg(long, default_value_t = 5)]
        runs: u32,
    },
}

#[derive(Args)]
struct DbOnly {
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// 监听地址
    #[arg(long, env = "XIANFENG_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// 用户访问的地址，用于打印设置链接（默认 http://监听地址）
    #[arg(long, env = "XIANFENG_PUBLIC_URL")]
    public_url: Option<String>,
    /// 通过 HTTPS 访问（Cookie 加 Secure，响应加 HSTS）
    #[arg(long, env = "XIANFENG_SECURE", default_value_t = false)]
    secure: bool,
    /// 位于可信反向代理之后：从 X-Forwarded-For 取客户端地址
    #[arg(long, env = "XIANFENG_TRUST_PROXY", default_value_t = false)]
    trust_proxy: bool,
    /// 每日合规检查在北京时间几点之后运行（0–23）；多个服务副本共用数据库时每天只运行一次
    #[arg(long, env = "XIANFENG_DAILY_CHECK_HOUR", default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..24))]
    daily_check_hour: u32,
    /// 邮件提醒的发信服务器，如 smtps://用户名:密码@smtp.example.cn:465（不设则不发邮件）
    #[arg(long, env = "XIANFENG_SMTP_URL")]
    smtp_url: Option<String>,
    /// 邮件提醒的发件地址，如 先锋平台 <noreply@example.cn>
    #[arg(long, env = "XIANFENG_SMTP_FROM")]
    smtp_from: Option<String>,
    /// 每隔几秒发送一次待发的提醒（邮件、推送）
    #[arg(long, env = "XIANFENG_OUTBOX_SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..3600))]
    outbox_seconds: u64,
    /// 允许推送到内部网络地址（127.0.0.1、10.x、192.168.x 等）；默认只推送到公网地址
    #[arg(long, env = "XIANFENG_WEBHOOK_PRIVATE", default_value_t = false)]
    webhook_private: bool,
}

#[derive(Args)]
struct AdminArgs {
    #[command(subcommand)]
    command: AdminCommand,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// 创建账号（打印一次性临时密码，首次登录须修改）
    CreateUser {
        /// 用户名
        #[arg(long)]
        username: String,
        /// 姓名
        #[arg(long)]
        name: String,
        /// 角色：system_admin, security_admin, audit_admin, org_admin, org_viewer, member
        #[arg(long)]
        role: String,
        /// 党务角色管理的组织代码
        #[arg(long)]
        org: Option<String>,
        /// 党员角色：本人的身份证号（关联名册中的党员档案）
        #[arg(long)]
        member_id_number: Option<String>,
        /// 从标准输入读取密码（不打印临时密码）
        #[arg(long)]
        password_stdin: bool,
    },
    /// 重置密码（打印一次性临时密码，并解锁账号）
    ResetPassword {
        /// 用户名
        #[arg(long)]
        user: String,
        /// 从标准输入读取新密码
        #[arg(long)]
        password_stdin: bool,
    },
    /// 签发 JSON 接口令牌（只显示一次）
    Token {
        /// 用户名
        #[arg(long)]
        user: String,
        /// 令牌用途说明
        #[arg(long, default_value = "命令行签发")]
        label: String,
        /// 有效天数（不填则长期有效，可停用账号使其失效）
        #[arg(long)]
        days: Option<i64>,
    },
    /// 核对并重建维护的计数（各组织及下级的在册人数、统计表各项），以名册为准；只核对不重建加 --check
    RepairCounts {
        /// 只核对，不重建（有不一致时以状态 1 退出）
        #[arg(long)]
        check: bool,
    },
}

#[derive(Args)]
struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// 校验审计日志的哈希链，报告第一处断裂
    Verify,
}

#[derive(Args)]
struct BackupArgs {
    /// 备份文件路径
    file: PathBuf,
    #[command(flatten)]
    db: DbArgs,
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("XIANFENG_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=error"));
    // Logs go to standard error: standard output carries the reports (JSON, tables).
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
}

/// The key in use: the variable, the key file given, or the database's default key file.
fn key_choice(db: &DbArgs) -> Result<xianfeng::KeyChoice> {
    let secret = std::env::var("XIANFENG_SECRET_KEY").ok();
    choose_key(secret.as_deref(), &db.key_file())
}

/// `xianfeng.key` in the working directory, where older versions kept it, when the database's
/// default key file does not exist and no key was given.
fn legacy_key(db: &DbArgs) -> Option<xianfeng::KeyChoice> {
    let legacy = std::path::Path::new(xianfeng::DEFAULT_KEY_FILE);
    let given = db.key_file.is_some()
        || std::env::var("XIANFENG_SECRET_KEY").is_ok_and(|v| !v.trim().is_empty());
    if given || db.key_file() == legacy || !legacy.exists() {
        return None;
    }
    choose_key(None, legacy).ok()
}

/// Opens the database with the key in use, refusing a key that is not the database's.
async fn store_of(db: &DbArgs) -> Result<Store> {
    check_url(&db.database_url)?;
    let choice = key_choice(db)?;
    xianfeng::open_bound_with(&db.database_url, choice, legacy_key(db), Clock::system()).await
}

/// A readable temporary password with upper case, digits, lower case and a symbol.
fn temporary_password() -> String {
    let token = xianfeng_store::crypto::random_token();
    let mut bytes = token.bytes();
    let mut pick = |set: &[u8], n: usize| -> String {
        (0..n)
            .map(|_| set[bytes.next().unwrap_or(0) as usize % set.len()] as char)
            .collect()
    };
    let upper = pick(b"ABCDEFGHJKLMNPQRSTUVWXYZ", 4);
    let digits = pick(b"23456789", 4);
    let lower = pick(b"abcdefghijkmnpqrstuvwxyz", 4);
    format!("Xf-{upper}{digits}-{lower}")
}

fn read_password_stdin() -> Result<String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s)?;
    let s = s.trim_end_matches(['\n', '\r']).to_string();
    if s.is_empty() {
        bail!("标准输入中没有密码");
    }
    Ok(s)
}

/// Errors end the program with one Chinese sentence on standard error and exit status 1,
/// never a stack trace, whatever `RUST_BACKTRACE` says.
fn main() -> std::process::ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!("错误：程序内部出错（{what}），操作可能没有完成；请把这条信息和所用的命令告诉系统维护人员。");
    }));
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return std::process::ExitCode::SUCCESS;
            }
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                // `xianfeng key` alone: the help, and a failure status.
                let _ = e.print();
                return std::process::ExitCode::from(2);
            }
            eprintln!("{}", usage_error(&e));
            return std::process::ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("错误：无法启动运行环境：{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{}", one_sentence(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

/// The error and its causes as one line, without repeating a cause that the message before it
/// already quotes; no backtrace.
fn one_sentence(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string().replace('\n', " ");
        if text.contains(part.trim()) {
            continue;
        }
        if !text.is_empty() {
            text.push('：');
        }
        text.push_str(part.trim());
    }
    text
}

/// A command-line usage error in one Chinese sentence.
fn usage_error(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ErrorKind};
    let arg = e
        .get(ContextKind::InvalidArg)
        .map(|v| v.to_string())
        .unwrap_or_default();
    let value = e
        .get(ContextKind::InvalidValue)
        .map(|v| v.to_string())
        .unwrap_or_default();
    let what = match e.kind() {
        ErrorKind::UnknownArgument => format!("不认识的参数 {arg}"),
        ErrorKind::InvalidSubcommand => format!("不认识的子命令 {value}"),
        ErrorKind::MissingRequiredArgument => format!("缺少必需的参数 {arg}"),
        ErrorKind::MissingSubcommand => "缺少子命令".to_string(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            format!("参数 {arg} 的值 {value} 无效")
        }
        ErrorKind::ArgumentConflict => format!("参数 {arg} 不能与其他参数同时使用"),
        ErrorKind::TooManyValues => format!("参数 {arg} 的值太多"),
        _ => "命令行参数有误".to_string(),
    };
    format!("错误：{what}；用 xianfeng --help 或 xianfeng 子命令 --help 查看用法。")
}

async fn run(cli: Cli) -> Result<()> {
    init_logging();
    for k in unknown_env() {
        tracing::warn!(variable = %k, "未知的环境变量（拼写错误？），已忽略");
    }
    match cli.command {
        Command::Serve(a) => serve(a).await,
        Command::Migrate(a) => {
            let store = store_of(&a.db).await?;
            println!(
                "数据库结构已是最新：{}",
                xianfeng_store::redact_url(&a.db.database_url)
            );
            store.close().await;
            Ok(())
        }
        Command::Admin(a) => admin(a).await,
        Command::Import(a) => import(a).await,
        Command::Stats(a) => stats(a).await,
        Command::Check(a) => check(a).await,
        Command::Rules(a) => {
            let store = store_of(&a.db).await?;
            match a.command {
                RulesCommand::Show => {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&store.rules_config().await?)?
                    );
                }
                RulesCommand::Set { file } => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("无法读取 {}", file.display()))?;
                    let cfg: xianfeng_domain::rules::RuleConfig = serde_json::from_str(&text)
                        .map_err(|e| anyhow::anyhow!("配置文件格式错误：{e}"))?;
                    store
                        .set_rules_config(&Actor::cli("rules set"), &cfg)
                        .await?;
                    let r = store.findings_full_run().await?;
                    println!(
                        "已更新检查规则配置；重新检查：{} 条结果，新增 {}，已关闭 {}",
                        r.seen, r.opened, r.closed
                    );
                }
            }
            store.close().await;
            Ok(())
        }
        Command::Life(a) => {
            let store = store_of(&a.db).await?;
            match a.command {
                RulesCommand::Show => {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&store.life_config().await?)?
                    );
                }
                RulesCommand::Set { file } => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("无法读取 {}", file.display()))?;
                    let cfg: xianfeng_domain::life::LifeConfig = serde_json::from_str(&text)
                        .map_err(|e| anyhow::anyhow!("配置文件格式错误：{e}"))?;
                    store.set_life_config(&Actor::cli("life set"), &cfg).await?;
                    println!(
                        "已更新组织生活配置：{} 个职务，{} 种会议类型",
                        cfg.posts.len(),
                        cfg.meeting_kinds.len()
                    );
                }
            }
            store.close().await;
            Ok(())
        }
        Command::Key(a) => key(a).await,
        Command::Demo(a) => {
            let store = store_of(&a.db).await?;
            let started = std::time::Instant::now();
            let f = xianfeng::demo::fill(&store, a.scale, a.seed).await?;
            println!(
                "已生成演示数据：{} 个组织，{} 名党员（其中预备党员 {} 名），入党申请人 {} 名、入党积极分子 {} 名、发展对象 {} 名，发展档案 {} 份，党费记录 {} 条，组织关系介绍信 {} 封，用时 {:.1} 秒",
                f.orgs,
                f.members,
                f.probationary,
                f.applicants,
                f.activists,
                f.candidates,
                f.dev_files,
                f.dues_months,
                f.letters,
                started.elapsed().as_secs_f64()
            );
            store.close().await;
            Ok(())
        }
        Command::Bench(BenchArgs {
            command:
                BenchCommand::Pages {
                    org,
                    connections,
                    seconds,
                    key_file,
                },
            database_url,
        }) => {
            let db = DbArgs {
                database_url: database_url
                    .context("页面基准须用 --database-url 指定一个已生成演示数据的库")?,
                key_file,
            };
            let store = store_of(&db).await?;
            let connections: Vec<usize> = connections
                .split(',')
                .filter_map(|c| c.trim().parse().ok())
                .collect();
            xianfeng::bench_pages::pages(
                &store,
                &db.database_url,
                &db.key_file(),
                org.as_deref(),
                &connections,
                seconds,
            )
            .await?;
            store.close().await;
            Ok(())
        }
        Command::Bench(a) => {
            let url = match a.database_url {
                Some(u) => u,
                None => {
                    let dir =
                        std::env::temp_dir().join(format!("xianfeng-bench-{}", std::process::id()));
                    std::fs::create_dir_all(&dir)?;
                    format!("sqlite://{}", dir.join("bench.db").display())
                }
            };
            check_url(&url)?;
            // A database made by `xianfeng demo` is read with its key (the default key file);
            // a new one gets a key of its own.
            let key_path = default_key_file(&url);
            let master = if key_path.exists() {
                xianfeng::read_key_file(&key_path)?
            } else {
                xianfeng_store::Keys::generate_master()
            };
            let keys = xianfeng_store::Keys::from_master(&master);
            let store = open_store(&url, keys, Clock::system()).await?;
            println!("基准数据库：{}", xianfeng_store::redact_url(&url));
            match a.command {
                BenchCommand::Roster { members, runs } => {
                    xianfeng::bench::roster(&store, members, runs).await?
                }
                BenchCommand::Import { rows, runs } => {
                    xianfeng::bench::import(&store, rows, runs).await?
                }
                BenchCommand::Stats { scale, runs } => {
                    xianfeng::bench::stats(&store, &url, scale, runs).await?
                }
                BenchCommand::Check { scale, runs } => {
                    xianfeng::bench::check(&store, scale, runs).await?
                }
                BenchCommand::Surge { submissions, runs } => {
                    xianfeng::bench::surge(&store, submissions, runs).await?
                }
                BenchCommand::Pages { .. } => unreachable!("handled above"),
            }
            store.close().await;
            Ok(())
        }
        Command::Audit(a) => {
            let store = store_of(&a.db).await?;
            match a.command {
                AuditCommand::Verify => match store.audit_verify().await? {
                    Verdict::Intact { entries } => {
                        println!("审计日志完整：共 {entries} 条，哈希链无断裂");
                        Ok(())
                    }
                    Verdict::Broken { seq, reason } => {
                        bail!("审计日志在第 {seq} 条处断裂：{reason}")
                    }
                },
            }
        }
        Command::Backup(a) => {
            let store = store_of(&a.db).await?;
            let tmp = a.file.with_extension("partial");
            let file = std::fs::File::create(&tmp)
                .with_context(|| format!("无法创建 {}", tmp.display()))?;
            let mut w = BufWriter::new(file);
            let report = store.backup_to(&mut w).await?;
            let file = w
                .into_inner()
                .map_err(|e| anyhow::anyhow!("写入备份失败：{e}"))?;
            file.sync_all()?;
            std::fs::rename(&tmp, &a.file)?;
            store
                .audit_now(
                    &Actor::cli("backup"),
                    AuditEvent::ok(
                        "backup.create",
                        format!(
                            "备份 {} 张表 {} 行到 {}",
                            report.tables,
                            report.rows,
                            a.file.display()
                        ),
                    ),
                )
                .await?;
            println!(
                "备份完成：{} 张表，{} 行 → {}",
                report.tables,
                report.rows,
                a.file.display()
            );
            println!(
                "提示：恢复时还需要同一个数据加密密钥（{} 或 XIANFENG_SECRET_KEY），请与备份分开保管。",
                a.db.key_file().display()
            );
            Ok(())
        }
        Command::Restore(a) => {
            let file = std::fs::File::open(&a.file)
                .with_context(|| format!("无法打开 {}", a.file.display()))?;
            check_url(&a.db.database_url)?;
            let store =
                xianfeng::open_for_restore(&a.db.database_url, key_choice(&a.db)?, Clock::system())
                    .await?;
            let report = match store.restore_from(BufReader::new(file)).await {
                Ok(r) => r,
                Err(xianfeng_store::StoreError::KeyMismatch) => {
                    store.close().await;
                    let source = key_choice(&a.db)?.source;
                    bail!(
                        "备份文件 {} 不是用{}加密的，未恢复任何数据：请用 --key-file 或 XIANFENG_SECRET_KEY 给出做备份时数据库所用的密钥。",
                        a.file.display(),
                        source.describe()
                    )
                }
                Err(e) => return Err(e.into()),
            };
            store
                .audit_now(
                    &Actor::cli("restore"),
                    AuditEvent::ok(
                        "backup.restore",
                        format!(
                            "从 {} 恢复 {} 张表 {} 行",
                            a.file.display(),
                            report.tables,
                            report.rows
                        ),
                    ),
                )
                .await?;
            println!("恢复完成：{} 张表，{} 行", report.tables, report.rows);
            Ok(())
        }
    }
}

async fn stats(a: StatsArgs) -> Result<()> {
    let store = store_of(&a.db).await?;
    let org = store
        .org_by_code(&Scope::Structure, &a.org)
        .await
        .map_err(|e| anyhow::anyhow!("组织代码 {}：{e}", a.org))?;
    let day = match &a.as_of {
        Some(s) => xianfeng_domain::parse_date(s).map_err(|e| anyhow::anyhow!("统计日期：{e}"))?,
        None => store.clock.today(),
    };
    // The command line speaks for the whole subtree it names (read-only).
    let scope = Scope::Subtree {
        root_id: org.id,
        path: org.org_path(),
        write: false,
    };
    let report = if a.recount {
        store.stats_recount(&scope, org.id, day).await?
    } else {
        store.stats_report(&scope, org.id, day).await?
    };
    let bytes = match a.format {
        StatsFormat::Json => {
            let mut v = serde_json::to_vec_pretty(&report)?;
            v.push(b'\n');
            v
        }
        StatsFormat::Table => xianfeng_exchange::stats::report_text(&report).into_bytes(),
        StatsFormat::Xlsx => {
            if a.output.is_none() {
                bail!("xlsx 格式请用 --output 指定输出文件");
            }
            xianfeng_exchange::stats::report_xlsx(&report)?
        }
    };
    match &a.output {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("无法写入 {}", path.display()))?;
            eprintln!("已写入 {}", path.display());
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes)?;
        }
    }
    store.close().await;
    Ok(())
}

async fn check(a: CheckArgs) -> Result<()> {
    let store = store_of(&a.db).await?;
    let root = match &a.org {
        Some(code) => Some(
            store
                .org_by_code(&Scope::Structure, code)
                .await
                .map_err(|e| anyhow::anyhow!("组织代码 {code}：{e}"))?
                .org_path(),
        ),
        None => None,
    };
    let day = match &a.as_of {
        Some(s) => xianfeng_domain::parse_date(s).map_err(|e| anyhow::anyhow!("检查日期：{e}"))?,
        None => store.clock.today(),
    };
    if let CheckFormat::Json = a.format {
        // Written slice by slice: a province's findings never sit in memory at once.
        use std::io::Write;
        let mut w: Box<dyn Write> = match &a.output {
            Some(path) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("无法写入 {}", path.display()))?,
            )),
            None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
        };
        write!(w, "{{\n  \"as_of\": \"{day}\",\n  \"findings\": [")?;
        let mut n = 0usize;
        let mut failed: Option<std::io::Error> = None;
        store
            .check_each(root.as_ref(), day, a.rule.as_deref(), |found| {
                for f in found {
                    let sep: &[u8] = if n == 0 { b"\n    " } else { b",\n    " };
                    let r = w
                        .write_all(sep)
                        .and_then(|()| serde_json::to_writer(&mut w, &f).map_err(Into::into));
                    if let Err(e) = r {
                        failed.get_or_insert(e);
                    }
                    n += 1;
                }
                Ok(())
            })
            .await?;
        if let Some(e) = failed {
            return Err(e.into());
        }
        w.write_all(if n == 0 { b"]\n}\n" } else { b"\n  ]\n}\n" })?;
        w.flush()?;
        drop(w);
        if let Some(path) = &a.output {
            eprintln!("已写入 {}（{n} 条）", path.display());
        }
        store.close().await;
        return Ok(());
    }
    let findings = store
        .check_run(root.as_ref(), day, a.rule.as_deref())
        .await?;
    let bytes = match a.format {
        CheckFormat::Table => xianfeng::check_text(day, &findings).into_bytes(),
        CheckFormat::Xlsx | CheckFormat::Json => {
            if a.output.is_none() {
                bail!("xlsx 格式请用 --output 指定输出文件");
            }
            xianfeng::check_xlsx(day, &findings)?
        }
    };
    match &a.output {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("无法写入 {}", path.display()))?;
            eprintln!("已写入 {}（{} 条）", path.display(), findings.len());
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes)?;
        }
    }
    store.close().await;
    Ok(())
}

async fn import(a: ImportArgs) -> Result<()> {
    let store = store_of(&a.db).await?;
    /// The file's bytes and its name for the audit log.
    fn read(file: &std::path::Path) -> Result<(Vec<u8>, String)> {
        let bytes = std::fs::read(file).with_context(|| format!("无法读取 {}", file.display()))?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok((bytes, name))
    }
    let (report, format, dry_run, unit) = match a.command {
        ImportCommand::Orgs {
            file,
            org,
            dry_run,
            accept_valid,
            format,
        } => {
            let (bytes, source) = read(&file)?;
            let opts = xianfeng_web::imports::OrgImport {
                within: org,
                dry_run,
                accept_valid,
                source,
            };
            let report = xianfeng_web::imports::import_orgs(
                &store,
                &Actor::cli("import orgs"),
                &Scope::Structure,
                &bytes,
                &opts,
            )
            .await?;
            (report, format, dry_run, "个")
        }
        ImportCommand::Members {
            file,
            org,
            dry_run,
            accept_valid,
            format,
        } => {
            let (bytes, source) = read(&file)?;
            let opts = xianfeng_web::imports::MemberImport {
                within: org,
                dry_run,
                accept_valid,
                source,
            };
            let report = xianfeng_web::imports::import_members(
                &store,
                &Actor::cli("import members"),
                &bytes,
                &opts,
            )
            .await?;
            (report, format, dry_run, "人")
        }
        ImportCommand::Development {
            file,
            org,
            dry_run,
            format,
        } => {
            let (bytes, _) = read(&file)?;
            let opts = xianfeng_web::imports::DevImport {
                within: org,
                dry_run,
            };
            let report = xianfeng_web::imports::import_development(
                &store,
                &Actor::cli("import development"),
                &bytes,
                &opts,
            )
            .await?;
            (report, format, dry_run, "份")
        }
        ImportCommand::Meetings {
            file,
            org,
            dry_run,
            format,
        } => {
            let (bytes, source) = read(&file)?;
            let opts = xianfeng_web::imports::MeetingImport {
                within: org,
                dry_run,
                source,
            };
            let report = xianfeng_web::imports::import_meetings(
                &store,
                &Actor::cli("import meetings"),
                &bytes,
                &opts,
            )
            .await?;
            (report, format, dry_run, "次")
        }
    };
    print_report(&report, format, dry_run, unit);
    store.close().await;
    if !report.committed && !report.rejected.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}

fn print_report(
    report: &xianfeng_web::imports::ImportReport,
    format: Output,
    dry_run: bool,
    unit: &str,
) {
    match format {
        Output::Json => println!(
            "{}",
            serde_json::json!({
                "total": report.total,
                "accepted": report.accepted,
                "rejected": report.rejected,
                "committed": report.committed,
                "created": report.created,
                "updated": report.updated,
                "unknown_columns": report.unknown_columns,
            })
        ),
        Output::Table => {
            println!(
                "共 {} 行：通过 {} 行，出错 {} 行",
                report.total,
                report.accepted,
                report.total - report.accepted
            );
            if !report.unknown_columns.is_empty() {
                println!("未识别、已忽略的列：{}", report.unknown_columns.join("、"));
            }
            for e in &report.rejected {
                println!("  第 {} 行 [{}]：{}", e.row, e.column, e.reason);
            }
            if report.committed {
                println!(
                    "已写入：新增 {} {unit}，更新 {} {unit}",
                    report.created, report.updated
                );
            } else if dry_run {
                println!("检查完毕，未写入（--dry-run）");
            } else {
                println!("有出错的行，未写入任何数据。修正后重新导入，或加 --accept-valid 只导入正确的行。");
            }
        }
    }
}

async fn admin(a: AdminArgs) -> Result<()> {
    let store = store_of(&a.db).await?;
    match a.command {
        AdminCommand::CreateUser {
            username,
            name,
            role,
            org,
            member_id_number,
            password_stdin,
        } => {
            let role = Role::parse(&role).with_context(|| format!("未知角色 {role}"))?;
            let member_id = match member_id_number {
                Some(raw) => {
                    let idn = xianfeng_domain::IdNumber::parse(&raw)
                        .map_err(|e| anyhow::anyhow!("身份证号：{e}"))?;
                    Some(
                        store
                            .member_id_for_binding(&idn)
                            .await?
                            .context("名册中没有该身份证号的人员")?,
                    )
                }
                None => None,
            };
            let org_id = match org {
                Some(code) => Some(
                    store
                        .org_by_code(&Scope::Structure, &code)
                        .await
                        .with_context(|| format!("找不到组织 {code}"))?
                        .id,
                ),
                None => None,
            };
            let (password, generated) = if password_stdin {
                (read_password_stdin()?, false)
            } else {
                (temporary_password(), true)
            };
            let acc = store
                .account_create_cli(
                    &username,
                    &name,
                    &password,
                    RoleGrant {
                        role: Some(role),
                        org_id,
                        member_id,
                    },
                    generated,
                )
                .await?;
            println!("已创建账号 {}（{}）", acc.username, role.label());
            if generated {
                println!("临时密码：{password}\n首次登录须修改。");
            }
        }
        AdminCommand::ResetPassword {
            user,
            password_stdin,
        } => {
            let acc = store
                .account_by_username(&user)
                .await?
                .with_context(|| format!("没有账号 {user}"))?;
            let password = if password_stdin {
                read_password_stdin()?
            } else {
                temporary_password()
            };
            store
                .account_reset_password(&Actor::cli("admin reset-password"), acc.id, &password)
                .await?;
            println!("已重置 {} 的密码并解锁账号。", acc.username);
            if !password_stdin {
                println!("临时密码：{password}\n下次登录须修改。");
            }
        }
        AdminCommand::Token { user, label, days } => {
            let acc = store
                .account_by_username(&user)
                .await?
                .with_context(|| format!("没有账号 {user}"))?;
            if acc.disabled {
                bail!("账号 {user} 已停用");
            }
            let token = store
                .token_issue(&Actor::cli("admin token"), acc.id, &label, days)
                .await?;
            println!("{token}");
            eprintln!("接口令牌只显示这一次。请求时使用请求头：Authorization: Bearer <令牌>");
        }
        AdminCommand::RepairCounts { check } => {
            let wrong = store.counts_differences().await?;
            for (org, status, kept, counted) in wrong.iter().take(20) {
                println!("组织 {org} {status}：维护的计数 {kept}，名册 {counted}");
            }
            if check {
                store.close().await;
                if wrong.is_empty() {
                    println!("维护的计数与名册一致");
                    return Ok(());
                }
                println!("{} 处不一致（未重建）", wrong.len());
                std::process::exit(1);
            }
            store.counts_rebuild().await?;
            println!("已按名册重建维护的计数（重建前 {} 处不一致）", wrong.len());
        }
    }
    store.close().await;
    Ok(())
}

async fn key(a: KeyArgs) -> Result<()> {
    match a.command {
        KeyCommand::Status => {
            check_url(&a.db.database_url)?;
            let choice = key_choice(&a.db)?;
            let source = choice.source.describe();
            if choice.is_new() {
                bail!(
                    "{source}：密钥文件不存在（只有还没有加密数据的数据库才会在首次运行时生成）。"
                );
            }
            let r = xianfeng::key_report(&a.db.database_url, &choice, Clock::system()).await?;
            println!("所用密钥：{source}");
            println!("所用密钥的指纹：{}", r.in_use);
            println!(
                "数据库记录的指纹：{}",
                r.recorded.as_deref().unwrap_or("（尚未记录）")
            );
            use xianfeng_store::keybind::KeyState;
            match r.state {
                KeyState::Bound => println!("相符：数据库中的数据用这个密钥加密。"),
                KeyState::Empty => println!("数据库中还没有加密数据：首次运行服务或命令时将记录这个密钥。"),
                KeyState::Unbound { recent_failures: 0 } => {
                    println!("数据库尚未记录指纹，已有数据能用这个密钥解密：下次运行服务或命令时记录。")
                }
                KeyState::Unbound { recent_failures } => println!(
                    "数据库尚未记录指纹；较早的数据能用这个密钥解密，但最新的 {recent_failures} 条中有无法解密的，请核对是否曾用另一个密钥导入。"
                ),
                KeyState::Differs | KeyState::Undecryptable => bail!(
                    "{}",
                    xianfeng::key_mismatch_message(&choice.source, &a.db.database_url)
                ),
            }
        }
        KeyCommand::Rotate { new_key_file } => {
            let store = store_of(&a.db).await?;
            let (master, created) = if new_key_file.exists() {
                (xianfeng::read_key_file(&new_key_file)?, false)
            } else {
                let m = xianfeng_store::Keys::generate_master();
                xianfeng::write_key_file(&new_key_file, &m)?;
                (m, true)
            };
            let new = xianfeng_store::Keys::from_master(&master);
            let n = match store.key_rotate(&Actor::cli("key rotate"), &new).await {
                Ok(n) => n,
                Err(e) => {
                    store.close().await;
                    if created {
                        let _ = std::fs::remove_file(&new_key_file);
                    }
                    return Err(anyhow::anyhow!("更换密钥失败，未做任何改动：{e}"));
                }
            };
            store.close().await;
            println!("已用新密钥重新加密 {n} 个身份证号并重算检索键，已记入审计。");
            let replace = match key_choice(&a.db).map(|c| c.source) {
                Ok(xianfeng::KeySource::File(p)) => {
                    format!("放到原密钥文件 {} 的位置", p.display())
                }
                _ => "把它的内容设为 XIANFENG_SECRET_KEY".to_string(),
            };
            println!(
                "新密钥在 {}{}：今后所有服务副本和命令都须使用它（{replace}，或用 --key-file 指定）；原密钥从此被拒绝，仍在运行的服务副本会自行停止，请用新密钥重新启动。",
                new_key_file.display(),
                if created { "（新生成，权限 600）" } else { "" },
            );
            println!("用原密钥做的备份仍须用原密钥恢复：请把原密钥与这些备份一起保管。");
        }
    }
    Ok(())
}

async fn serve(a: ServeArgs) -> Result<()> {
    let store = store_of(&a.db).await?;
    let listener = tokio::net::TcpListener::bind(a.listen)
        .await
        .with_context(|| format!("无法监听 {}", a.listen))?;
    let local = listener.local_addr()?;
    let public = a
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{local}"));
    if let Some(token) = store.setup_token_create().await? {
        println!();
        println!(
            "  首次启动：请在浏览器中打开以下一次性设置链接，创建系统管理员（24 小时内有效）："
        );
        println!("  {}/setup?token={token}", public.trim_end_matches('/'));
        println!();
    }
    tracing::info!(
        address = %local,
        database = %xianfeng_store::redact_url(&a.db.database_url),
        "先锋已启动：{public}"
    );
    let config = WebConfig {
        secure: a.secure,
        trust_proxy: a.trust_proxy,
        ..WebConfig::default()
    };
    let app = xianfeng_web::app(store.clone(), config);
    let daily = tokio::spawn(xianfeng::daily_check_loop(
        store.clone(),
        a.daily_check_hour,
    ));
    let outbox = tokio::spawn(xianfeng::outbox::run(
        store.clone(),
        xianfeng::outbox::OutboxConfig {
            public_url: public.clone(),
            smtp_url: a.smtp_url.clone(),
            smtp_from: a.smtp_from.clone(),
            hold_seconds: 120,
            allow_private: a.webhook_private,
        },
        std::time::Duration::from_secs(a.outbox_seconds),
    ));
    // A rotation of the key by another process stops this copy: it holds the old key.
    let rotated = std::sync::Arc::new(tokio::sync::Notify::new());
    let watch = {
        let store = store.clone();
        let rotated = rotated.clone();
        tokio::spawn(async move {
            xianfeng::key_watch(store, std::time::Duration::from_secs(15)).await;
            rotated.notify_one();
        })
    };
    let stopped_by_rotation = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stopped_by_rotation.clone();
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        tokio::select! {
            _ = shutdown_signal() => {},
            _ = rotated.notified() => {
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
            },
        }
    })
    .await?;
    daily.abort();
    outbox.abort();
    watch.abort();
    store.close().await;
    if stopped_by_rotation.load(std::sync::atomic::Ordering::SeqCst) {
        bail!("数据库中的数据加密密钥已更换，本服务用的是原密钥，已停止：请用新密钥重新启动。");
    }
    tracing::info!("已停止");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
