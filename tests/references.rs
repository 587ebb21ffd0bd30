//! The project's own references: every one parses, carries its front
//! matter, has no broken link or duplicate anchor.

use msf_mcp::corpus::{Corpus, check};

use crate::util::real_references;

#[test]
fn references_pass_the_checker() {
    let corpus = Corpus::from_dir(&real_references()).expect("references load");
    let errors: Vec<String> = check::check(&corpus)
        .into_iter()
        .filter(|f| f.severity == check::Severity::Error)
        .map(|f| format!("{}:{}: {}", f.file, f.line, f.message))
        .collect();
    assert!(
        errors.is_empty(),
        "refs --check errors:\n{}",
        errors.join("\n")
    );
}

#[test]
fn embedded_corpus_is_the_references_folder() {
    let embedded = Corpus::embedded();
    let disk = Corpus::from_dir(&real_references()).expect("references load");
    assert_eq!(
        embedded.digest(),
        disk.digest(),
        "rebuild after editing references/"
    );
}
