//! Search text as typed into a list's search box.

/// The longest search Pacer runs: longer than any name or reference, far below what the
/// database's pattern matching takes (SQLite refuses LIKE patterns over 50 000 bytes).
pub const MAX_SEARCH_CHARS: usize = 200;

/// `text` trimmed, `None` when blank, or why it cannot be searched for.
pub fn parse_search(text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    let length = text.chars().count();
    if length > MAX_SEARCH_CHARS {
        return Err(format!(
            "search for at most {MAX_SEARCH_CHARS} characters (this is {length})"
        ));
    }
    Ok(Some(text.to_string()).filter(|t| !t.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_searches_are_refused_and_blank_ones_are_none() {
        assert_eq!(parse_search("  Metall "), Ok(Some("Metall".into())));
        assert_eq!(parse_search("   "), Ok(None));
        assert!(parse_search(&"é".repeat(MAX_SEARCH_CHARS)).is_ok());
        let refused = parse_search(&"x".repeat(100_000)).unwrap_err();
        assert!(
            refused.contains("at most 200 characters (this is 100000)"),
            "{refused}"
        );
    }
}
