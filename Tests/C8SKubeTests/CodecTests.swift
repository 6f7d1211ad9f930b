import Foundation
import Testing

@testable import C8SKube

@Suite struct CodecTests {
    @Test func unknownFieldsSurviveARoundTrip() throws {
        let json = """
            {"apiVersion":"batch/v1","kind":"Job",
             "metadata":{"name":"j","namespace":"ci","labels":{"a":"1","b":"2"},\
            "managedFields":[{"manager":"kubectl"}]},
             "spec":{"backoffLimit":0,"completionMode":"NonIndexed",
               "template":{"spec":{"restartPolicy":"Never","dnsPolicy":"ClusterFirst",
                 "containers":[{"name":"step","image":"alpine","livenessProbe":{"exec":{"command":["true"]}}},
                               {"name":"sidecar","image":"busybox","stdin":true}]}}},
             "status":{"uncountedTerminatedPods":{}}}
            """
        var job = try KubeCodec.decode(Job.self, from: Data(json.utf8))
        #expect(job.spec?.template.spec?.containers.count == 2)
        job.metadata.labels?["b"] = nil
        job.metadata.labels?["c"] = "3"
        job.spec?.backoffLimit = 2
        job.spec?.template.spec?.containers.reverse()
        job.spec?.template.spec?.containers[0].image = "busybox:1"
        let out = try KubeCodec.json(job)
        #expect(out["metadata"]?["labels"] == ["a": "1", "c": "3"])
        #expect(out["metadata"]?["managedFields"] == [["manager": "kubectl"]])
        #expect(out["spec"]?["completionMode"] == "NonIndexed")
        #expect(out["spec"]?["backoffLimit"] == 2)
        #expect(out["spec"]?["template"]?["spec"]?["dnsPolicy"] == "ClusterFirst")
        let containers = out["spec"]?["template"]?["spec"]?["containers"]?.arrayValue ?? []
        #expect(containers.count == 2)
        #expect(containers.first?["name"] == "sidecar")
        #expect(containers.first?["image"] == "busybox:1")
        #expect(containers.first?["stdin"] == true)
        #expect(containers.last?["livenessProbe"]?["exec"]?["command"] == ["true"])
        #expect(out["status"]?["uncountedTerminatedPods"] == [:])
        #expect(out["apiVersion"] == "batch/v1")
        #expect(out["kind"] == "Job")
    }

    @Test func clearingAKnownFieldRemovesIt() throws {
        let json = #"{"metadata":{"name":"p","annotations":{"x":"y"}},"spec":{"containers":[],"nodeName":"n1"}}"#
        var pod = try KubeCodec.decode(Pod.self, from: Data(json.utf8))
        pod.metadata.annotations = nil
        pod.spec?.nodeName = nil
        let out = try KubeCodec.json(pod)
        #expect(out["metadata"]?["annotations"] == nil)
        #expect(out["spec"]?["nodeName"] == nil)
        #expect(out["metadata"]?["name"] == "p")
    }

    @Test func objectsBuiltInCodeEncodeOnlyTheirFields() throws {
        let lease = Lease(
            metadata: ObjectMeta(name: "l", namespace: "ns"),
            spec: Lease.Spec(
                holderIdentity: "a", leaseDurationSeconds: 15,
                renewTime: MicroTime(Date(timeIntervalSince1970: 1_700_000_000.25))))
        let out = try KubeCodec.json(lease)
        #expect(
            out == [
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": ["name": "l", "namespace": "ns"],
                "spec": [
                    "holderIdentity": "a", "leaseDurationSeconds": 15, "renewTime": "2023-11-14T22:13:20.250000Z",
                ],
            ])
    }

    @Test func timesParseAndFormat() throws {
        #expect(RFC3339.parse("2024-02-29T23:59:59Z") == Date(timeIntervalSince1970: 1_709_251_199))
        #expect(RFC3339.parse("2024-03-01T01:59:59+02:00") == Date(timeIntervalSince1970: 1_709_251_199))
        #expect(
            RFC3339.format(Date(timeIntervalSince1970: 1_709_251_199), fractionalDigits: 0) == "2024-02-29T23:59:59Z")
        #expect(RFC3339.parse("2024-02-29") == nil)
    }

    @Test func statusBodiesBecomeTypedErrors() throws {
        let invalid = """
            {"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Invalid","code":422,
             "message":"PipelineRun.c8s.dev \\"r\\" is invalid: spec.commit: Required value",
             "details":{"name":"r","kind":"PipelineRun",\
            "causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.commit"}]}}
            """
        let error = KubeError.response(
            request: "POST /apis/c8s.dev/v1alpha1/namespaces/ci/pipelineruns", httpStatus: 422,
            body: Array(invalid.utf8), retryAfterHeader: nil)
        #expect(error.code == .invalid)
        #expect(error.causes.map(\.field) == ["spec.commit"])
        #expect(error.description.contains("spec.commit: Required value"))

        let cases: [(Int, String?, KubeError.Code)] = [
            (404, "NotFound", .notFound), (409, "AlreadyExists", .alreadyExists), (409, "Conflict", .conflict),
            (410, "Expired", .gone), (403, "Forbidden", .forbidden), (401, "Unauthorized", .unauthorized),
            (429, "TooManyRequests", .tooManyRequests), (500, "InternalError", .serverError), (418, nil, .other),
        ]
        for (code, reason, expected) in cases {
            let body = reason.map { #"{"kind":"Status","reason":"\#($0)","message":"m","code":\#(code)}"# } ?? "teapot"
            let error = KubeError.response(
                request: "GET /x", httpStatus: code, body: Array(body.utf8), retryAfterHeader: nil)
            #expect(error.code == expected, "\(code) \(reason ?? "")")
        }
        let throttled = KubeError.response(
            request: "GET /x", httpStatus: 429,
            body: Array(#"{"reason":"TooManyRequests","message":"slow down","details":{"retryAfterSeconds":3}}"#.utf8),
            retryAfterHeader: "7")
        #expect(throttled.retryAfter == .seconds(7))
        #expect(throttled.description.contains("retry after"))
        let conflict = KubeError.response(
            request: "PUT /x", httpStatus: 409,
            body: Array(#"{"reason":"Conflict","message":"the object has been modified"}"#.utf8), retryAfterHeader: nil)
        #expect(
            conflict.description
                == "PUT /x failed (409 Conflict): the object has been modified — "
                + "read the object again and retry the change")
    }

    @Test func watchLinesDecode() throws {
        let added = try WatchLine.decode(
            Pod.self,
            line: Array(#"{"type":"ADDED","object":{"metadata":{"name":"p","resourceVersion":"5"},"extra":1}}"#.utf8),
            request: "GET /api/v1/pods")
        guard case .added(let pod) = added else {
            Issue.record("not added")
            return
        }
        #expect(pod.metadata.resourceVersion == "5")
        #expect(pod.unknownFields.raw["extra"] == 1)
        let bookmark = try WatchLine.decode(
            Pod.self,
            line: Array(#"{"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"9"}}}"#.utf8),
            request: "")
        #expect(bookmark.resourceVersion == "9")
        #expect {
            try WatchLine.decode(
                Pod.self,
                line: Array(
                    #"{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old"}}"#
                        .utf8),
                request: "")
        } throws: { ($0 as? KubeError)?.isGone == true }
    }
}
