//! An export's file is hashed as it is written (SHA-256 for the audit trail).

use super::*;

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes a written file and rewinds it.
pub(super) fn hash_file(mut file: File) -> Result<Produced> {
    file.seek(SeekFrom::Start(0)).map_err(io_error)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(io_error)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    file.seek(SeekFrom::Start(0)).map_err(io_error)?;
    Ok(Produced {
        file,
        len,
        sha256: hex(&hasher.finalize()),
    })
}

/// A writer that hashes what passes through it.
pub(super) struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    len: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Hashing<File> {
    pub(super) fn new(file: File) -> Self {
        Hashing {
            inner: file,
            hasher: Sha256::new(),
            len: 0,
        }
    }

    pub(super) fn finish(self) -> Result<Produced> {
        let mut file = self.inner;
        file.flush().map_err(io_error)?;
        file.seek(SeekFrom::Start(0)).map_err(io_error)?;
        Ok(Produced {
            file,
            len: self.len,
            sha256: hex(&self.hasher.finalize()),
        })
    }
}
