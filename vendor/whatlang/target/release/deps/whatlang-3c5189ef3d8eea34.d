/work/main/vendor/whatlang/target/release/deps/whatlang-3c5189ef3d8eea34.d: src/lib.rs src/alphabets/mod.rs src/alphabets/common.rs src/alphabets/cyrillic.rs src/alphabets/detection.rs src/alphabets/latin.rs src/combined/mod.rs src/core/mod.rs src/core/confidence.rs src/core/detect.rs src/core/detector.rs src/core/filter_list.rs src/core/info.rs src/core/method.rs src/core/options.rs src/core/query.rs src/core/text.rs src/error.rs src/lang.rs src/scripts/mod.rs src/scripts/chars.rs src/scripts/detect.rs src/scripts/grouping.rs src/scripts/lang_mapping.rs src/scripts/script.rs src/trigrams/mod.rs src/trigrams/detection.rs src/trigrams/profiles.rs src/trigrams/utils.rs src/utils.rs

/work/main/vendor/whatlang/target/release/deps/whatlang-3c5189ef3d8eea34: src/lib.rs src/alphabets/mod.rs src/alphabets/common.rs src/alphabets/cyrillic.rs src/alphabets/detection.rs src/alphabets/latin.rs src/combined/mod.rs src/core/mod.rs src/core/confidence.rs src/core/detect.rs src/core/detector.rs src/core/filter_list.rs src/core/info.rs src/core/method.rs src/core/options.rs src/core/query.rs src/core/text.rs src/error.rs src/lang.rs src/scripts/mod.rs src/scripts/chars.rs src/scripts/detect.rs src/scripts/grouping.rs src/scripts/lang_mapping.rs src/scripts/script.rs src/trigrams/mod.rs src/trigrams/detection.rs src/trigrams/profiles.rs src/trigrams/utils.rs src/utils.rs

src/lib.rs:
src/alphabets/mod.rs:
src/alphabets/common.rs:
src/alphabets/cyrillic.rs:
src/alphabets/detection.rs:
src/alphabets/latin.rs:
src/combined/mod.rs:
src/core/mod.rs:
src/core/confidence.rs:
src/core/detect.rs:
src/core/detector.rs:
src/core/filter_list.rs:
src/core/info.rs:
src/core/method.rs:
src/core/options.rs:
src/core/query.rs:
src/core/text.rs:
src/error.rs:
src/lang.rs:
src/scripts/mod.rs:
src/scripts/chars.rs:
src/scripts/detect.rs:
src/scripts/grouping.rs:
src/scripts/lang_mapping.rs:
src/scripts/script.rs:
src/trigrams/mod.rs:
src/trigrams/detection.rs:
src/trigrams/profiles.rs:
src/trigrams/utils.rs:
src/utils.rs:
