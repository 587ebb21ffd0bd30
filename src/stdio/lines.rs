//! Newline-delimited input read in bounded chunks: a line longer than the
//! maximum is never buffered whole; its bytes are counted and discarded up to
//! the newline, so the caller can answer it and go on with the next line.

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// One line of input, without its `\n`.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A line no longer than the maximum.
    Complete(Vec<u8>),
    /// A line longer than the maximum; `len` bytes were read and discarded.
    TooLong {
        /// How long the line was, in bytes (without the newline).
        len: u64,
    },
}

/// Reads lines of at most `max` bytes from `R`.
#[derive(Debug)]
pub struct LineReader<R> {
    inner: BufReader<R>,
    max: usize,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    /// Lines of at most `max` bytes (longer ones come back as [`Line::TooLong`]).
    pub fn new(read: R, max: usize) -> LineReader<R> {
        LineReader {
            inner: BufReader::with_capacity(64 * 1024, read),
            max,
        }
    }

    /// The next line; `None` at the end of input. A last line without a
    /// newline is still a line.
    pub async fn next(&mut self) -> std::io::Result<Option<Line>> {
        let mut line = Vec::new();
        let mut discarded: Option<u64> = None;
        loop {
            let buf = self.inner.fill_buf().await?;
            if buf.is_empty() {
                return Ok(match discarded {
                    Some(len) => Some(Line::TooLong { len }),
                    None if line.is_empty() => None,
                    None => Some(Line::Complete(line)),
                });
            }
            let (chunk, used, found) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (&buf[..i], i + 1, true),
                None => (buf, buf.len(), false),
            };
            match &mut discarded {
                Some(len) => *len += chunk.len() as u64,
                None if line.len() + chunk.len() > self.max => {
                    discarded = Some((line.len() + chunk.len()) as u64);
                    line = Vec::new();
                }
                None => line.extend_from_slice(chunk),
            }
            self.inner.consume(used);
            if found {
                return Ok(Some(match discarded {
                    Some(len) => Line::TooLong { len },
                    None => Line::Complete(line),
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn all(input: &[u8], max: usize) -> Vec<Line> {
        let mut reader = LineReader::new(input, max);
        let mut out = Vec::new();
        while let Some(line) = reader.next().await.unwrap() {
            out.push(line);
        }
        out
    }

    #[tokio::test]
    async fn splits_lines_and_discards_the_ones_over_the_maximum() {
        let long = vec![b'x'; 200_000];
        let mut input = b"{\"a\":1}\n".to_vec();
        input.extend_from_slice(&long);
        input.extend_from_slice(b"\nshort\nlast");
        assert_eq!(
            all(&input, 100_000).await,
            vec![
                Line::Complete(b"{\"a\":1}".to_vec()),
                Line::TooLong { len: 200_000 },
                Line::Complete(b"short".to_vec()),
                Line::Complete(b"last".to_vec()),
            ]
        );
    }

    #[tokio::test]
    async fn a_line_of_exactly_the_maximum_is_kept_and_one_more_byte_is_not() {
        assert_eq!(
            all(b"abcd\nabcde\n\n", 4).await,
            vec![
                Line::Complete(b"abcd".to_vec()),
                Line::TooLong { len: 5 },
                Line::Complete(Vec::new()),
            ]
        );
        assert_eq!(all(b"abcdef", 4).await, vec![Line::TooLong { len: 6 }]);
    }
}
