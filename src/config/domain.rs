//! The domain rules: a bare host means https, plain http only for loopback.

use std::net::IpAddr;

/// Turns a domain setting into a base URL: a bare host means `https://`;
/// `http://` is allowed only for loopback hosts.
pub fn normalize_domain(input: &str) -> Result<String, String> {
    let input = input.trim();
    let with_scheme = if input.contains("://") {
        input.to_owned()
    } else {
        format!("https://{input}")
    };
    let url = reqwest::Url::parse(&with_scheme)
        .map_err(|err| format!("{input:?} is not a host name or URL ({err})"))?;
    let host = url
        .host_str()
        .filter(|host| !host.is_empty())
        .ok_or_else(|| format!("{input:?} has no host name"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(format!(
                "plain http:// is only allowed for loopback hosts; use https://{host} or just {host}"
            ));
        }
        other => return Err(format!("unsupported scheme {other}:// (use https://)")),
    }
    if !(url.path() == "/" || url.path().is_empty())
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(format!(
            "{input:?} must be just the tenant's host (like tenant.eu.auth0.com), without a path"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("credentials do not belong in the domain".to_owned());
    }
    let mut base = format!("{}://{}", url.scheme(), host);
    if let Some(port) = url.port() {
        base.push_str(&format!(":{port}"));
    }
    Ok(base)
}

/// True when a URL a provider's discovery names may receive credentials:
/// `https://`, or `http://` to a loopback host (the sandbox) only.
pub fn is_safe_endpoint(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    match parsed.scheme() {
        "https" => true,
        "http" => parsed
            .host_str()
            .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
            .is_some_and(is_loopback),
        _ => false,
    }
}

/// True for `localhost` and loopback addresses (127.0.0.0/8, ::1).
fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}
