import Foundation
import Hummingbird
import FulfillmentCore
import Mustache

/// Renders the service's HTML pages from the Mustache templates in `Templates/` (escaped by default).
struct PageRenderer: Sendable {
    let library: MustacheLibrary

    static func load() async throws -> PageRenderer {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Templates") else {
            throw ConfigurationError("the page templates are missing from the bundle")
        }
        return PageRenderer(library: try await MustacheLibrary(directory: directory.path))
    }

    /// Renders `template` in `language`: its catalog is `t` in the context (`{{t.key}}`), and `lang` sets the page's
    /// language.
    func render(
        _ template: String, _ context: [String: Any], status: HTTPResponse.Status = .ok, language: CustomerLanguage = .en
    ) -> Response {
        var context = context
        context["t"] = language.texts.entries
        context["lang"] = language.rawValue
        let html = library.render(context, withTemplate: template) ?? "<!doctype html><p>Page unavailable.</p>"
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func notFound(language: CustomerLanguage = .en) -> Response {
        render("notfound", ["title": language.texts("not_found_title")], status: .notFound, language: language)
    }
}
