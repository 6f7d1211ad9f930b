import C8SKube
import C8STestSupport
import Foundation
import Testing

/// CRD registration, discovery, schema validation, defaults, pruning and tables.
@Suite struct CustomResourceTests {
    static let configs = "/apis/c8s.dev/v1alpha1/namespaces/default/pipelineconfigs"

    static func crd(_ file: String) throws -> JSONValue {
        let text = try String(contentsOfFile: configDirectory + "/crd/" + file, encoding: .utf8)
        return try #require(try YAMLDocuments.load(text).first)
    }

    @Test func creatingACRDServesTheResourceAndUpdatesDiscovery() async throws {
        try await withTestAPIServer { server in
            let api = APIClient(server)
            #expect(try await api.get("/apis/c8s.dev/v1alpha1").status == 404)
            let created = try await api.post(
                "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", try Self.crd("c8s.dev_pipelineruns.yaml"))
            #expect(created.status == 201)
            let conditions = created.body.at("status", "conditions")?.arrayValue ?? []
            #expect(conditions.contains { $0["type"] == "Established" && $0["status"] == "True" })
            let groups = try await api.get("/apis")
            #expect(groups.body["groups"]?.arrayValue?.contains { $0["name"] == "c8s.dev" } == true)
            let resources = try await api.get("/apis/c8s.dev/v1alpha1")
            let entry = resources.body["resources"]?.arrayValue?.first { $0["name"] == "pipelineruns" }
            #expect(entry?["kind"] == "PipelineRun")
            #expect(entry?["namespaced"] == true)
            #expect(entry?["shortNames"]?.arrayValue?.contains("c8srun") == true)
            #expect(resources.body["resources"]?.arrayValue?.contains { $0["name"] == "pipelineruns/status" } == true)
            #expect(try await api.get("/apis/c8s.dev/v1alpha1/namespaces/default/pipelineruns").status == 200)
            let runs = "/apis/c8s.dev/v1alpha1/namespaces/default/pipelineruns"
            _ = try await api.post(
                runs,
                object("c8s.dev/v1alpha1", "PipelineRun", "r", extra: ["spec": ["pipelineConfigRef": ["name": "x"]]]))
            try await api.withWatch(runs + "?watch=true&timeoutSeconds=30") { frames in
                var iterator = frames.makeAsyncIterator()
                #expect(await nextFrame(&iterator)?["type"] == "ADDED")
                let dryRun = try await api.delete(
                    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/pipelineruns.c8s.dev?dryRun=All")
                #expect(dryRun.status == 200)
                #expect(server.openWatchCount == 1, "a dry run changes nothing")
                _ = try await api.delete("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/pipelineruns.c8s.dev")
                #expect(await nextFrame(&iterator)?["type"] == "DELETED")
                #expect(await nextFrame(&iterator) == nil, "watches on a deleted CRD's resource end")
            }
            #expect(try await api.get(runs).status == 404)
        }
    }

    @Test func schemaViolationsAreNamedPerField() async throws {
        try await withTestAPIServer(configuration: .init(crdDirectory: configDirectory + "/crd")) { server in
            let api = APIClient(server)
            let body = object(
                "c8s.dev/v1alpha1", "PipelineConfig", "bad",
                extra: [
                    "spec": [
                        "timeout": "soon",
                        "steps": [
                            ["name": "Bad_Name", "image": "alpine", "when": ["events": ["nightly"]]],
                            ["name": "lint", "image": "alpine", "allowFailure": "yes"],
                            ["name": "lint", "commands": ["x"]],
                        ],
                    ]
                ])
            let reply = try await api.post(Self.configs, body)
            #expect(reply.status == 422)
            #expect(reply.body["reason"] == "Invalid")
            #expect(reply.body.at("details", "kind") == "PipelineConfig")
            #expect(reply.body.at("details", "group") == "c8s.dev")
            let causes = reply.body.at("details", "causes")?.arrayValue ?? []
            let fields = Set(causes.compactMap { $0["field"]?.stringValue })
            #expect(
                fields == [
                    "spec.timeout", "spec.steps[0].name", "spec.steps[0].when.events[0]", "spec.steps[1].allowFailure",
                    "spec.steps[2].image", "spec.steps[2]",
                ])
            let message = reply.body["message"]?.stringValue ?? ""
            #expect(message.hasPrefix("PipelineConfig.c8s.dev \"bad\" is invalid: ["))
            #expect(
                message.contains(
                    "spec.steps[0].name: Invalid value: \"Bad_Name\": spec.steps[0].name in body should match "
                        + "'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'"))
            #expect(
                message.contains("spec.steps[0].when.events[0]: Unsupported value: \"nightly\": supported values: "))
            #expect(message.contains("spec.steps[2].image: Required value"))
            #expect(message.contains("spec.steps[1].allowFailure: Invalid value: \"string\": "))
        }
    }

    @Test func defaultsPruningAndStrictFieldValidation() async throws {
        try await withTestAPIServer(configuration: .init(crdDirectory: configDirectory + "/crd")) { server in
            let api = APIClient(server)
            let body = object(
                "c8s.dev/v1alpha1", "PipelineConfig", "ok",
                extra: [
                    "spec": [
                        "steps": [["name": "lint", "image": "alpine", "color": "blue"]],
                        "matrix": ["go": ["1.22"], "exclude": [["go": "1.22"]]],
                    ],
                    "junk": true,
                ])
            let strict = try await api.post(Self.configs + "?fieldValidation=Strict", body)
            #expect(strict.status == 400)
            #expect(strict.body["message"]?.stringValue?.contains("unknown field \"spec.steps[0].color\"") == true)
            let warned = try await api.post(Self.configs, body)
            #expect(warned.status == 201)
            #expect(warned.headers["Warning"].contains { $0.contains("unknown field") })
            #expect(warned.body.at("spec", "steps")?.arrayValue?.first?["color"] == nil)
            #expect(warned.body["junk"] == nil)
            #expect(warned.body.at("spec", "steps")?.arrayValue?.first?["allowFailure"] == false)
            #expect(warned.body.at("spec", "matrix", "go") == ["1.22"], "matrix axes are preserved")
            var typo = object(
                "c8s.dev/v1alpha1", "PipelineConfig", "typo", extra: ["spec": ["steps": [["name": "a", "image": "b"]]]])
            typo.set(path: ["metadata", "label"], to: ["x": "y"])
            let metadataTypo = try await api.post(Self.configs + "?fieldValidation=Strict", typo)
            #expect(metadataTypo.status == 400)
            #expect(metadataTypo.body["message"]?.stringValue?.contains("unknown field \"metadata.label\"") == true)
            let builtInTypo = try await api.post(
                "/api/v1/namespaces/default/configmaps?fieldValidation=Strict",
                object("v1", "ConfigMap", "c", extra: ["dat": ["k": "v"]]))
            #expect(builtInTypo.status == 400)
            #expect(builtInTypo.body["message"]?.stringValue?.contains("unknown field \"dat\"") == true)
        }
    }

    @Test func tablesShowPrinterColumns() async throws {
        try await withTestAPIServer(configuration: .init(crdDirectory: configDirectory + "/crd")) { server in
            let api = APIClient(server)
            let runs = "/apis/c8s.dev/v1alpha1/namespaces/default/pipelineruns"
            _ = try await api.post(
                runs,
                object(
                    "c8s.dev/v1alpha1", "PipelineRun", "r1",
                    extra: ["spec": ["pipelineConfigRef": ["name": "shop"], "commit": "abc"]]))
            _ = try await api.mergePatch(runs + "/r1/status", ["status": ["phase": "Running"]])
            let table = try await api.send(
                .GET, runs, accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
            #expect(table.body["kind"] == "Table")
            let columns = table.body["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(columns == ["Name", "Phase", "Config", "Commit", "Branch", "Age"])
            let cells = table.body["rows"]?.arrayValue?.first?["cells"]?.arrayValue ?? []
            #expect(cells.count == 6)
            #expect(cells.first == "r1")
            #expect(cells.dropFirst().first == "Running")
            #expect(cells.last?.stringValue?.hasSuffix("s") == true)
        }
    }

    /// A cluster-scoped CRD exercising the remaining schema keywords.
    static let widgetCRD: JSONValue = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "widgets.example.com"],
        "spec": [
            "group": "example.com", "scope": "Cluster",
            "names": ["plural": "widgets", "singular": "widget", "kind": "Widget"],
            "versions": [
                [
                    "name": "v1", "served": true, "storage": true,
                    "schema": [
                        "openAPIV3Schema": [
                            "type": "object",
                            "properties": [
                                "spec": [
                                    "type": "object",
                                    "properties": [
                                        "size": ["type": "integer", "minimum": 1, "maximum": 10, "default": 3],
                                        "ratio": ["type": "number", "exclusiveMaximum": true, "maximum": 1],
                                        "port": ["x-kubernetes-int-or-string": true],
                                        "tag": ["type": "string", "maxLength": 5, "nullable": true],
                                        "tags": [
                                            "type": "array", "maxItems": 2, "x-kubernetes-list-type": "set",
                                            "items": ["type": "string", "minLength": 1],
                                        ],
                                        "free": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                                        "labels": ["type": "object", "additionalProperties": ["type": "string"]],
                                    ],
                                ]
                            ],
                        ]
                    ],
                ]
            ],
        ],
    ]

    @Test func schemaKeywordsOnAClusterScopedResource() async throws {
        try await withTestAPIServer { server in
            let api = APIClient(server)
            try server.create(Self.widgetCRD)
            let widgets = "/apis/example.com/v1/widgets"
            let good = try await api.post(
                widgets,
                object(
                    "example.com/v1", "Widget", "w", namespace: nil,
                    extra: [
                        "spec": [
                            "ratio": 0.5, "port": "http", "tag": nil, "tags": ["a", "b"], "free": ["any": ["thing": 1]],
                            "labels": ["k": "v"],
                        ]
                    ]))
            #expect(good.status == 201)
            #expect(good.body.at("spec", "size") == 3)
            #expect(good.body.at("spec", "free", "any", "thing") == 1)
            #expect(good.body.at("metadata", "namespace") == nil)
            let bad = try await api.post(
                widgets,
                object(
                    "example.com/v1", "Widget", "x", namespace: nil,
                    extra: [
                        "spec": [
                            "size": 11, "ratio": 1, "port": true, "tag": "toolong", "tags": ["a", "a", ""],
                            "labels": ["k": 1],
                        ]
                    ]))
            #expect(bad.status == 422)
            let causes = bad.body.at("details", "causes")?.arrayValue ?? []
            let fields = causes.compactMap { $0["field"]?.stringValue }
            for field in [
                "spec.size", "spec.ratio", "spec.port", "spec.tag", "spec.tags", "spec.tags[1]",
                "spec.tags[2]", "spec.labels.k",
            ] {
                #expect(fields.contains(field), "\(field) in \(fields)")
            }
            let message = bad.body["message"]?.stringValue ?? ""
            #expect(
                message.contains("spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10"))
            #expect(message.contains("spec.tag: Too long: may not be longer than 5"))
            #expect(message.contains("spec.tags: Too many: 3: must have at most 2 items"))
        }
    }

    @Test func labelsAndOwnerReferencesAreValidated() async throws {
        try await withTestAPIServer { server in
            let api = APIClient(server)
            let configs = "/api/v1/namespaces/default/configmaps"
            let badValue = try await api.post(
                configs, object("v1", "ConfigMap", "a", labels: ["branch": "release/1.0"]))
            #expect(badValue.status == 422)
            #expect(
                badValue.body["message"]?.stringValue?.contains(
                    "metadata.labels: Invalid value: \"release/1.0\": a valid label must be") == true)
            let badKey = try await api.post(configs, object("v1", "ConfigMap", "a", labels: ["bad key": "x"]))
            #expect(badKey.status == 422)
            let good = try await api.post(configs, object("v1", "ConfigMap", "a", labels: ["c8s.dev/step": "lint"]))
            #expect(good.status == 201)
            var owned = object("v1", "ConfigMap", "b")
            owned.set(
                path: ["metadata", "ownerReferences"], to: [["apiVersion": "v1", "kind": "ConfigMap", "name": "a"]])
            let noUID = try await api.post(configs, owned)
            #expect(noUID.status == 422)
            #expect(
                noUID.body.at("details", "causes")?.arrayValue?.first?["field"] == "metadata.ownerReferences[0].uid")
        }
    }

    @Test func nonStructuralSchemasAreRefused() async throws {
        try await withTestAPIServer { server in
            let api = APIClient(server)
            var crd = Self.widgetCRD
            var versions = crd[path: ["spec", "versions"]]?.arrayValue ?? []
            versions[0].set(
                path: ["schema", "openAPIV3Schema", "properties", "spec"],
                to: [
                    "type": "object", "properties": ["a": ["description": "no type"]],
                    "additionalProperties": ["type": "string"],
                ])
            crd.set(path: ["spec", "versions"], to: .array(versions))
            let reply = try await api.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
            #expect(reply.status == 422)
            let fields = Set(
                reply.body.at("details", "causes")?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? [])
            #expect(
                fields == [
                    "spec.versions[0].schema.openAPIV3Schema.properties[spec].additionalProperties",
                    "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[a].type",
                ])
            #expect(try await api.get("/apis/example.com/v1/widgets").status == 404)
        }
    }
}
