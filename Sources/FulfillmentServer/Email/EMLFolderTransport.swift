public import FulfillmentCore
public import Foundation
import Synchronization

/// Writes each email as an RFC 5322 `.eml` file in a folder (the embedded default: open them in any mail
/// reader). The file name is the dedupe key, written atomically, so a retried send overwrites rather than
/// duplicates.
public struct EMLFolderTransport: EmailTransport {
    public let folder: URL
    public let from: String

    public init(folder: URL, from: String) {
        self.folder = folder
        self.from = from
    }

    public func send(_ email: QueuedEmail) async throws {
        let name = email.email.dedupeKey.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" }
        let file = folder.appendingPathComponent(String(name) + ".eml")
        let message = Data(MessageFormat.render(email.email, from: from, date: email.createdAt).utf8)
        do {
            try message.write(to: file, options: .atomic)
        } catch where !FileManager.default.fileExists(atPath: folder.path) {
            // The folder is made on the first send that finds it missing, not checked on every send.
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try message.write(to: file, options: .atomic)
        }
    }
}

/// The RFC 5322 text of an email (shared by the folder and SMTP transports).
enum MessageFormat {
    /// RFC 5322's date format, made once: a `DateFormatter` is costly to make (ICU), and was made per email.
    private static let dateFormatter = Mutex({
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter
    }())

    static func render(_ email: OutboundEmail, from: String, date: Date) -> String {
        let headers = [
            "From: \(headerSafe(from))", "To: \(headerSafe(email.recipient))", "Subject: \(headerSafe(email.subject))",
            "Date: \(dateFormatter.withLock { $0.string(from: date) })", "Message-ID: <\(String(email.dedupeKey.map { $0 == ":" ? "." : $0 }))@stripe-fulfillment>",
            "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
        ]
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + crlfLines(email.body)
    }

    /// Every line ends in CRLF, as RFC 5322 asks: a bare LF becomes CRLF, a CRLF stays, a lone CR is kept.
    /// Byte by byte: Foundation's `replacingOccurrences` (through NSString) showed in the service's profile.
    static func crlfLines(_ text: String) -> String {
        let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 64)
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte == lf && previous != cr { bytes.append(cr) }
            bytes.append(byte)
            previous = byte
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Header values never carry line breaks (header injection from customer-supplied text). Filters
    /// Unicode scalars, not Characters: "\r\n" is one Character and would slip past a Character filter.
    static func headerSafe(_ value: String) -> String {
        String(String.UnicodeScalarView(value.unicodeScalars.filter { $0 != "\r" && $0 != "\n" }))
    }
}
