//! What several benches share: the bundled corpus's article texts, in file-name order.

/// The texts of `corpus/*.txt`, sorted by file name.
pub fn bundled_texts() -> Vec<String> {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut files: Vec<_> = std::fs::read_dir(&corpus)
        .expect("corpus/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read_to_string(p).expect("a corpus file")).collect()
}
