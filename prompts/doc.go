// Package prompts owns Scribe's prompt templates: the drafting rules (system.md),
// note formats (SOAP, DAP, BIRP, GIRP, group) and modality guidance (CBT, DBT,
// MAT/medication management, MI, general psychotherapy), as embedded,
// versioned Markdown files with a JSON front-matter header.
//
// It renders the system and user messages for one drafting call and names the
// exact versions used ("system@1+soap@3+cbt@1") so every draft records what
// produced it. Admin-supplied templates are validated by ParseTemplate so they
// can be stored in the database and used without rebuilding.
//
// prompts is a library: it imports no pipeline stage, no store and no network.
// It does not call models, parse model output or check grounding; package
// summarize does.
package prompts
