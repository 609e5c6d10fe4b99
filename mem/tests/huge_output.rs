//! `zeroed_output` advises huge pages for a large output's aligned interior, and the buffer stays an ordinary,
//! zeroed, writable `Vec<u8>`. The advice is checked where the kernel records it: the `hg` flag of the mapping in
//! `/proc/self/smaps` (Linux with transparent huge pages not set to `never`; elsewhere the test checks the contents
//! only).

use custodia_testkit::huge_page_advice;

const HUGE: usize = 2 << 20;

#[test]
fn a_large_output_is_zeroed_writable_and_advised_for_huge_pages() {
    let len = 16 << 20;
    let mut out = custodia_mem::zeroed_output(len);
    assert_eq!(out.len(), len);
    assert!(out.iter().all(|&b| b == 0));
    let interior = (out.as_ptr() as usize).next_multiple_of(HUGE);
    if cfg!(target_os = "linux") {
        assert_ne!(huge_page_advice(interior), Some(false), "no huge-page advice on the output's mapping");
    }
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::try_from(i % 251).expect("below 251");
    }
    assert!(out.iter().enumerate().all(|(i, &b)| usize::from(b) == i % 251));
    // Still an ordinary Vec: it grows and is freed by the global allocator.
    out.push(1);
    assert_eq!(out.len(), len + 1);
}

#[test]
fn a_small_output_is_an_ordinary_zeroed_vec() {
    for len in [0, 1, 4096, custodia_mem::HUGE_OUTPUT_MIN - 1] {
        let v = custodia_mem::zeroed_output(len);
        assert_eq!(v.len(), len);
        assert!(v.iter().all(|&b| b == 0));
    }
}
