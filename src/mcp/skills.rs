//! The skill over MCP (Skills extension, SEP-2640): SKILL.md and the
//! references as one skill, `skill://<name>/SKILL.md` plus one file per
//! reference beside it (so SKILL.md's relative links resolve), each listed
//! with its sha256 digest and size.

use rmcp::model::{Skill, SkillFrontmatter, SkillResource, SkillResources};

use crate::{app::App, corpus::check::SKILL_FILE};

/// The skill, when the corpus has a SKILL.md with `name` and `description`.
pub fn skill(app: &App) -> Option<Skill> {
    let manifest = app.corpus().get(SKILL_FILE).ok()?;
    let name = manifest.front.name.clone()?;
    let description = manifest.front.description.clone()?;
    let base = format!("skill://{name}");
    let mut files = vec![SkillResource::from_bytes(
        format!("{base}/{SKILL_FILE}"),
        manifest.source.as_bytes(),
    )];
    for doc in app.corpus().docs().iter().filter(|d| d.name != SKILL_FILE) {
        files.push(SkillResource::from_bytes(
            format!("{base}/{}", doc.name),
            doc.source.as_bytes(),
        ));
    }
    Some(Skill::new(
        format!("{base}/{SKILL_FILE}"),
        SkillFrontmatter::new(name, description),
        SkillResources::Files(files),
    ))
}

/// The markdown behind a `skill://<name>/<file>` URI of this server's skill.
pub fn read<'a>(app: &'a App, uri: &str) -> Option<&'a str> {
    let skill = skill(app)?;
    let base = skill.uri.strip_suffix(SKILL_FILE)?;
    let file = uri.strip_prefix(base)?;
    app.corpus().get(file).ok().map(|d| d.source.as_str())
}
