import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Vitals
import VitalsHTTP

/// What an unauthenticated request may see while `basic_auth_users` is set (`web.anonymous_health`).
enum AnonymousHealth: String, CaseIterable, Sendable {
    /// Nothing: every endpoint answers 401.
    case none
    /// `GET`/`HEAD /health` and `/health/{tag}` answer with the status code and an overall status
    /// only, for load balancers and probes; no check names, messages or environment.
    case statusOnly = "status_only"
}

/// The web configuration's rules for every request: HTTP basic authentication against
/// `basic_auth_users`, the anonymous status-only view of `/health`, and `http_server_config.headers`.
struct WebAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let security: WebSecurity
    let source: DaemonSource

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        if !security.requiresAuthentication {
            response = try await next(request, context)
        } else if await isAuthenticated(request) {
            response = try await next(request, context)
        } else if source.anonymousHealth == .statusOnly, let status = statusOnly(request) {
            response = status
        } else {
            response = Self.unauthorized(method: request.method)
        }
        for header in security.headers {
            if let name = HTTPField.Name(header.name) { response.headers[name] = header.value }
        }
        return response
    }

    private func isAuthenticated(_ request: Request) async -> Bool {
        guard let value = request.headers[.authorization], value.count > 6,
            value.prefix(6).lowercased() == "basic ",
            let decoded = Data(base64Encoded: String(value.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let credentials = String(data: decoded, encoding: .utf8),
            let colon = credentials.firstIndex(of: ":")
        else { return false }
        let user = String(credentials[..<colon])
        let password = String(credentials[credentials.index(after: colon)...])
        return await security.authenticate(user: user, password: password)
    }

    /// `/health` or `/health/{tag}` answered with the overall status only.
    private func statusOnly(_ request: Request) -> Response? {
        guard request.method == .get || request.method == .head else { return nil }
        let parts = request.uri.path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.first == "health", parts.count <= 2 else { return nil }
        let snapshot = source.store.snapshot()
        let checks: [CheckSnapshot]
        if parts.count == 2 {
            guard let tagged = snapshot.checks(taggedWith: String(parts[1])) else {
                return Self.plain(.notFound, "no check has this tag\n", method: request.method)
            }
            checks = tagged
        } else {
            checks = snapshot.checks
        }
        let healthy = !checks.contains { $0.critical && $0.status == .fail }
        let status: HTTPResponse.Status =
            healthy ? .ok : HTTPResponse.Status(code: source.endpointOptions.failureStatus)
        let body = healthy ? "{\"status\":\"success\"}\n" : "{\"status\":\"failure\"}\n"
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(
            status: status,
            headers: headers,
            body: request.method == .head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(string: body))
        )
    }

    private static func unauthorized(method: HTTPRequest.Method) -> Response {
        var response = plain(.unauthorized, "Unauthorized\n", method: method)
        response.headers[.wwwAuthenticate] = "Basic realm=\"vitals\", charset=\"UTF-8\""
        return response
    }

    private static func plain(_ status: HTTPResponse.Status, _ text: String, method: HTTPRequest.Method) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(
            status: status,
            headers: headers,
            body: method == .head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}
