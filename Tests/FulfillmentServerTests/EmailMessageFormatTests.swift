import FulfillmentCore
import Foundation
import Testing

@testable import FulfillmentServer

@Suite("Email message format")
struct EmailMessageFormatTests {
    @Test func everyLineEndsInCRLFWhateverTheBodyUsed() {
        #expect(MessageFormat.crlfLines("a\nb\r\nc\rd\n") == "a\r\nb\r\nc\r\nd\r\n", "a lone CR is a line break too")
        #expect(MessageFormat.crlfLines("\n\n") == "\r\n\r\n")
        #expect(MessageFormat.crlfLines("Señor café ✓\n") == "Señor café ✓\r\n")
        #expect(MessageFormat.crlfLines("") == "")
    }

    @Test func controlCharactersCannotHideALoneDotFromDotStuffing() {
        // Customer text with the SMTP-smuggling shapes: a lone CR before a ".", NEL, U+2028, NUL, ESC.
        let hostile = "Hi\r.\r\nMAIL FROM:<x@evil.example>\r\n.\n\u{85}.\u{2028}.\u{0}\u{1B}[31m\tend"
        let email = OutboundEmail(dedupeKey: "receipt:cs_test_x", recipient: "a@example.com", subject: "S\u{0}u\u{2028}b", body: hostile)
        let data = SMTPTransport.dotStuffed(MessageFormat.render(email, from: "shop@example.com", date: Date(timeIntervalSince1970: 0)))
        let lines = data.components(separatedBy: "\r\n")
        #expect(!lines.contains("."), "no line is a lone dot, so DATA cannot end early")
        #expect(!data.replacingOccurrences(of: "\r\n", with: "").contains("\r"), "no CR outside CRLF")
        #expect(!data.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "no LF outside CRLF")
        #expect(!data.unicodeScalars.contains { $0.value < 0x20 && $0 != "\r" && $0 != "\n" && $0 != "\t" }, "no other control character")
        #expect(lines.contains("Subject: Sub"), "a header keeps no control character either")
        #expect(lines.filter { $0 == ".." }.count == 3, "each would-be lone dot is stuffed: \(lines)")
        #expect(lines.contains("..[31m\tend"), "a line starting with a dot is stuffed too")
    }

    @Test func theFolderTransportMakesAMissingFolderAndOverwritesARetriedSend() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("eml-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("nested/emails")
        let transport = EMLFolderTransport(folder: folder, from: "shop@example.com")
        let email = QueuedEmail(
            id: 1, email: OutboundEmail(dedupeKey: "receipt:cs_test_1", recipient: "jenny@example.com", subject: "Receipt", body: "Line 1\nLine 2"), attempts: 0,
            createdAt: Date(timeIntervalSince1970: 1_700_000_000))
        try await transport.send(email)
        try await transport.send(email)

        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files == ["receipt_cs_test_1.eml"])
        let text = try String(contentsOf: folder.appendingPathComponent("receipt_cs_test_1.eml"), encoding: .utf8)
        #expect(text.contains("Message-ID: <receipt.cs_test_1@stripe-fulfillment>\r\n"))
        #expect(text.hasSuffix("\r\n\r\nLine 1\r\nLine 2"))
    }
}
