import { html, type Html } from '../../web/html';
import { layout, type PageContext } from '../../web/layout';

type Parameter = { name: string; in: string; required: boolean; description?: string; schema: Record<string, unknown> };
type FormSchema = { properties?: Record<string, Record<string, unknown>>; required?: string[] };
type OperationDoc = {
  tags: string[];
  summary: string;
  description?: string;
  parameters: Parameter[];
  requestBody?: { content: Record<string, { schema: FormSchema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: { $ref?: string } }> }>;
};
type Document = { info: { title: string; description: string }; paths: Record<string, Record<string, OperationDoc>>; components: { schemas: Record<string, unknown> } };

function typeOf(schema: Record<string, unknown>): string {
  if (typeof schema.type === 'string') {
    const extras = [schema.format ? `format ${String(schema.format)}` : null, schema.enum ? `one of ${(schema.enum as string[]).join(', ')}` : null, schema.pattern ? `pattern ${String(schema.pattern)}` : null, schema.maximum !== undefined ? `${String(schema.minimum ?? '')}…${String(schema.maximum)}` : null].filter(Boolean);
    return [schema.type, ...extras].join('; ');
  }
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Record<string, unknown>[]).map(typeOf).join(' or ');
  return 'any';
}

/** Query and path parameters, then the fields of a form body, as one table. */
function parameterRows(op: OperationDoc): Parameter[] {
  const forms = Object.entries(op.requestBody?.content ?? {});
  const fields = forms.flatMap(([type, { schema }]) =>
    Object.entries(schema.properties ?? {}).map(([name, { description, ...fieldSchema }]) => ({
      name,
      in: `body (${type})`,
      required: (schema.required ?? []).includes(name),
      description: description as string | undefined,
      schema: fieldSchema,
    })),
  );
  return [...op.parameters, ...fields];
}

function schemaLink(ref: string | undefined): Html | null {
  const name = ref?.split('/').pop();
  return name ? html`<a href="#schema-${name}">${name}</a>` : null;
}

/** A readable, server-rendered page of the OpenAPI document: no third-party viewer, no script. */
export function apiDocsPage(page: PageContext, doc: Document): Html {
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => [method.toUpperCase(), path, op] as const));
  const body = html`
<h1>${doc.info.title}</h1>
<p class="intro">${doc.info.description}</p>
<p><a href="/api/v1/openapi.json">openapi.json</a> (OpenAPI 3.1)</p>
<nav aria-label="API"><ul>${operations.map(([method, path]) => html`<li><a href="#${path}"><code>${method} ${path}</code></a></li>`)}</ul></nav>
${operations.map(([method, path, op]) => html`<section class="api-op" id="${path}">
  <h2><code>${method} ${path}</code></h2>
  <p>${op.summary}${op.description ? html`<br><span class="muted">${op.description}</span>` : null}</p>
  ${parameterRows(op).length
    ? html`<div class="table-scroll"><table class="files"><thead><tr><th scope="col">parameter</th><th scope="col">in</th><th scope="col">type</th><th scope="col">meaning</th></tr></thead><tbody>
    ${parameterRows(op).map((p) => html`<tr><td><code>${p.name}</code>${p.required ? ' *' : ''}</td><td>${p.in}</td><td>${typeOf(p.schema)}</td><td>${p.description ?? ''}</td></tr>`)}
    </tbody></table></div>`
    : null}
  <ul>${Object.entries(op.responses).map(([status, r]) => html`<li>${status}: ${r.description} ${Object.entries(r.content ?? {}).map(([type, c]) => html`(<code>${type}</code>${c.schema?.$ref ? html` ${schemaLink(c.schema.$ref)}` : null})`)}</li>`)}</ul>
</section>`)}
<h2>Schemas</h2>
${Object.entries(doc.components.schemas).map(([name, schema]) => html`<section id="schema-${name}"><h3>${name}</h3><pre class="citation">${JSON.stringify(schema, null, 2)}</pre></section>`)}`;
  return layout(page, 'API', body);
}
