//! The outbox worker: delivers the notices queued in the database, one server copy per row
//! (claimed with a conditional update), by e-mail over SMTP and to webhooks (DingTalk and
//! WeCom group robots, plain JSON), retrying with backoff and recording each result.

use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;
use xianfeng_store::notices::Delivery;
use xianfeng_store::Store;

/// Where and how notices leave.
#[derive(Clone, Default)]
pub struct OutboxConfig {
    /// The address users open, for links in messages.
    pub public_url: String,
    /// `smtps://user:password@host:465` or `smtp://host:25?tls=required`; none: e-mail is not
    /// sent (the deliveries are recorded as failed with the reason).
    pub smtp_url: Option<String>,
    pub smtp_from: Option<String>,
    /// Seconds a claimed delivery is held before another copy may take it over.
    pub hold_seconds: i64,
    /// Webhooks may reach addresses inside the network (loopback, private, link-local); off by
    /// default, so that a webhook cannot be used to reach the server's neighbours.
    pub allow_private: bool,
}

/// An address on the public internet: not loopback, private, link-local, shared (CGNAT),
/// multicast, documentation or unspecified.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// The address a webhook is sent to, resolved once and checked: the request then goes to
/// exactly that address (no second lookup, no redirects), so a name that changes its answer
/// cannot lead the server inside the network.
async fn webhook_client(cfg: &OutboxConfig, url: &str) -> Result<reqwest::Client, String> {
    let parsed = reqwest::Url::parse(url).map_err(|_| "推送地址有误".to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("推送地址须以 https:// 开头".into());
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| "推送地址有误".to_string())?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| format!("无法解析推送地址：{e}"))?
        .collect();
    let Some(addr) = addrs
        .iter()
        .find(|a| cfg.allow_private || is_public(a.ip()))
        .copied()
    else {
        return Err(PRIVATE.into());
    };
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .resolve(&host, addr)
        .build()
        .map_err(|e| e.to_string())
}

type HmacSha256 = Hmac<Sha256>;

fn absolute(cfg: &OutboxConfig, link: &Option<String>) -> String {
    match link {
        Some(l) if l.starts_with('/') => format!("{}{l}", cfg.public_url.trim_end_matches('/')),
        Some(l) => l.clone(),
        None => cfg.public_url.clone(),
    }
}

/// The body a webhook of `kind` receives for a notice, and the URL to post it to.
pub fn webhook_request(
    kind: &str,
    url: &str,
    secret: Option<&str>,
    d: &Delivery,
    link: &str,
    now_ms: i64,
) -> (String, serde_json::Value, Option<String>) {
    match kind {
        "dingtalk" => {
            let body = serde_json::json!({
                "msgtype": "markdown",
                "markdown": {
                    "title": d.title,
                    "text": format!("### {}\n\n{}\n\n[查看详情]({link})", d.title, d.body),
                }
            });
            // 加签: HMAC-SHA256 of "timestamp\nsecret", base64, URL-encoded.
            let url = match secret {
                Some(s) => {
                    let mut mac = HmacSha256::new_from_slice(s.as_bytes()).expect("any key");
                    mac.update(format!("{now_ms}\n{s}").as_bytes());
                    let sign = base64::engine::general_purpose::STANDARD
                        .encode(mac.finalize().into_bytes());
                    let sign: String = sign
                        .bytes()
                        .map(|b| match b {
                            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                                (b as char).to_string()
                            }
                            _ => format!("%{b:02X}"),
                        })
                        .collect();
                    let sep = if url.contains('?') { '&' } else { '?' };
                    format!("{url}{sep}timestamp={now_ms}&sign={sign}")
                }
                None => url.to_string(),
            };
            (url, body, None)
        }
        "wecom" => (
            url.to_string(),
            serde_json::json!({
                "msgtype": "markdown",
                "markdown": {
                    "content": format!("**{}**\n> {}\n[查看详情]({link})", d.title, d.body),
                }
            }),
            None,
        ),
        _ => {
            let body = serde_json::json!({
                "id": d.notice_id,
                "kind": d.kind,
                "title": d.title,
                "body": d.body,
                "link": link,
                "org_id": d.org_id,
                "created_at": d.created_at,
                // Signed with the rest: a receiver can refuse a replayed old request.
                "sent_at": now_ms,
            });
            let signature = secret.map(|s| {
                let mut mac = HmacSha256::new_from_slice(s.as_bytes()).expect("any key");
                mac.update(body.to_string().as_bytes());
                mac.finalize()
                    .into_bytes()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            });
            (url.to_string(), body, signature)
        }
    }
}

const NO_SMTP: &str = "系统未配置发信服务器，邮件提醒未发出（请联系系统管理员）";
const DISABLED: &str = "推送地址已停用，未发送";
const REMOVED: &str = "推送地址已删除，未发送";
const PRIVATE: &str = "推送地址指向内部网络，未发送（允许内部地址须以 --webhook-private 启动服务）";

/// Whether trying again cannot help (a missing configuration, a switched-off address).
fn is_final(reason: &str) -> bool {
    [NO_SMTP, DISABLED, REMOVED, PRIVATE].contains(&reason)
}

/// Sends one delivery; the error in words when it fails.
async fn deliver(store: &Store, cfg: &OutboxConfig, d: &Delivery) -> Result<(), String> {
    let link = absolute(cfg, &d.link);
    match d.channel.as_str() {
        "webhook" => {
            let id: i64 = d
                .target
                .parse()
                .map_err(|_| "推送地址编号有误".to_string())?;
            let Some(hook) = store.webhook_get(id).await.map_err(|e| e.to_string())? else {
                return Err(REMOVED.into());
            };
            if !hook.enabled {
                return Err(DISABLED.into());
            }
            let now_ms = store.clock.now().timestamp_millis();
            let (url, body, signature) = webhook_request(
                &hook.kind,
                &hook.url,
                hook.secret.as_deref(),
                d,
                &link,
                now_ms,
            );
            let http = webhook_client(cfg, &url).await?;
            let mut req = http.post(&url).json(&body);
            if let Some(s) = signature {
                req = req.header("X-Xianfeng-Signature", s);
            }
            let res = req.send().await.map_err(|e| format!("无法连接：{e}"))?;
            let status = res.status();
            let text = res.text().await.unwrap_or_default();
            if !status.is_success() {
                return Err(format!("对方返回 HTTP {}", status.as_u16()));
            }
            // The robots answer 200 with an error code in the body.
            if hook.kind != "json" {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
                    let code = v["errcode"].as_i64().unwrap_or(0);
                    if code != 0 {
                        return Err(format!(
                            "对方返回错误 {code}：{}",
                            v["errmsg"].as_str().unwrap_or("")
                        ));
                    }
                }
            }
            Ok(())
        }
        "email" => {
            let (Some(url), Some(from)) = (&cfg.smtp_url, &cfg.smtp_from) else {
                return Err(NO_SMTP.into());
            };
            let msg = Message::builder()
                .from(from.parse().map_err(|e| format!("发件地址有误：{e}"))?)
                .to(d.target.parse().map_err(|e| format!("收件地址有误：{e}"))?)
                .subject(format!("【先锋】{}", d.title))
                .header(ContentType::TEXT_PLAIN)
                .body(format!(
                    "{}\n\n{link}\n\n（本邮件由先锋基层党建工作平台发出）",
                    d.body
                ))
                .map_err(|e| e.to_string())?;
            let mailer = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|e| format!("发信服务器地址有误：{e}"))?
                .timeout(Some(Duration::from_secs(20)))
                .build();
            mailer
                .send(msg)
                .await
                .map(|_| ())
                .map_err(|e| format!("发信失败：{e}"))
        }
        other => Err(format!("未知的发送方式 {other}")),
    }
}

/// One pass: claims what is due for `worker`, delivers it, records the results. Returns how
/// many deliveries were made (sent or failed).
pub async fn run_once(store: &Store, cfg: &OutboxConfig, worker: &str) -> anyhow::Result<usize> {
    let hold = if cfg.hold_seconds > 0 {
        cfg.hold_seconds
    } else {
        120
    };
    let due = store.outbox_claim(worker, 50, hold).await?;
    let n = due.len();
    for d in due {
        match deliver(store, cfg, &d).await {
            Ok(()) => store.outbox_sent(d.id, worker).await?,
            Err(e) => {
                tracing::warn!(delivery = d.id, error = %e, "提醒发送失败");
                // Trying again cannot help these: failed at once.
                let attempts = if is_final(&e) {
                    xianfeng_store::notices::MAX_ATTEMPTS - 1
                } else {
                    d.attempts
                };
                store.outbox_failed(d.id, worker, attempts, &e).await?
            }
        }
    }
    Ok(n)
}

/// The worker of a server copy: a pass every few seconds.
pub async fn run(store: Store, cfg: OutboxConfig, every: Duration) {
    let worker = format!(
        "{}-{}",
        std::process::id(),
        xianfeng_store::crypto::random_token()
            .get(..8)
            .unwrap_or("w")
    );
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        if let Err(e) = run_once(&store, &cfg, &worker).await {
            tracing::warn!(error = %e, "提醒发送出错，稍后重试");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> Delivery {
        Delivery {
            id: 1,
            channel: "webhook".into(),
            target: "1".into(),
            attempts: 0,
            notice_id: 9,
            kind: "meeting_notice".into(),
            title: "会议通知".into(),
            body: "明天开会".into(),
            link: Some("/meetings/3".into()),
            org_id: Some(2),
            created_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn only_public_addresses_are_public() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(a.parse().unwrap()), "{a}");
        }
        for a in ["223.5.5.5", "203.119.1.1", "2400:3200::1"] {
            assert!(is_public(a.parse().unwrap()), "{a}");
        }
    }

    #[test]
    fn robot_formats() {
        let (url, body, _) = webhook_request(
            "dingtalk",
            "https://oapi.dingtalk.com/robot/send?access_token=x",
            Some("SEC123"),
            &d(),
            "https://x/meetings/3",
            1_700_000_000_000,
        );
        assert!(url.starts_with(
            "https://oapi.dingtalk.com/robot/send?access_token=x&timestamp=1700000000000&sign="
        ));
        assert_eq!(body["msgtype"], "markdown");
        assert!(body["markdown"]["text"]
            .as_str()
            .unwrap()
            .contains("[查看详情](https://x/meetings/3)"));
        let (_, body, _) = webhook_request("wecom", "https://qyapi", None, &d(), "l", 0);
        assert!(body["markdown"]["content"]
            .as_str()
            .unwrap()
            .starts_with("**会议通知**"));
        let (_, body, sig) = webhook_request("json", "https://h", Some("k"), &d(), "l", 0);
        assert_eq!(body["id"], 9);
        assert_eq!(sig.unwrap().len(), 64);
    }
}
