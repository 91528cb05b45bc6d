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

    /// Every line ends in CRLF, as RFC 5322 asks, and nothing else can break or fake one: a CRLF stays; a bare LF,
    /// a lone CR, NEL and the Unicode line and paragraph separators each become CRLF; other control characters
    /// (but the tab) are dropped. Dot-stuffing (SMTP) runs over this text, so no body line can start with a
    /// lone "." that a CR hid from it (`\r.\r\n`, the SMTP-smuggling shape).
    static func crlfLines(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        var pending = scalars.next()
        while let scalar = pending {
            pending = scalars.next()
            switch scalar.value {
            case 0x0D:
                if pending == "\n" { pending = scalars.next() }
                out.append(contentsOf: "\r\n".unicodeScalars)
            case 0x0A, 0x85, 0x2028, 0x2029:
                out.append(contentsOf: "\r\n".unicodeScalars)
            case 0x09:
                out.append(scalar)
            case 0x00..<0x20, 0x7F, 0x80..<0xA0:
                continue
            default:
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Header values never carry line breaks or other control characters (header injection from
    /// customer-supplied text). Filters Unicode scalars, not Characters: "\r\n" is one Character and would
    /// slip past a Character filter.
    static func headerSafe(_ value: String) -> String {
        String(String.UnicodeScalarView(value.unicodeScalars.filter { scalar in
            !(scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029)
        }))
    }
}
