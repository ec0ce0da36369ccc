// Building a man page from --help texts (see help_page.hpp). The footer of a CLI11 help is free
// text, so its layout is read by indentation, the way a person reads it:
//   - a line at the margin or at the usual indentation (2) starts or continues a paragraph;
//   - an indented line whose text has a gap of two spaces is a term and its description ("FILE  the
//     config file"), and deeper lines right after it continue the description;
//   - deeper lines after a paragraph are a verbatim block (a config file example);
//   - in EXAMPLES, each indented line is a command, with an optional description after a gap, and
//     lines after one ending in '\' continue it.
#include "tools/mangen/help_page.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace bgsync::mangen {

namespace {

struct Block {
  enum class Kind { paragraph, term, verbatim, example } kind;
  std::string term;                // term: the term; example: the command's first line
  std::vector<std::string> lines;  // paragraph/term/example: description lines; verbatim: the lines
  std::vector<std::string> more;   // example: the command's continuation lines
};

std::vector<Block> parse_blocks(const std::vector<std::string>& lines, bool examples) {
  std::vector<Block> blocks;
  Block* current = nullptr;
  for (const auto& line : lines) {
    if (line.empty()) {
      current = nullptr;
      continue;
    }
    const std::size_t indent = indentation(line);
    const auto kind = current ? current->kind : Block::Kind::paragraph;
    if (examples && indent > 0) {
      if (current && kind == Block::Kind::example) {
        const std::string& last = current->more.empty() ? current->term : current->more.back();
        if (!last.empty() && last.back() == '\\') {
          current->more.push_back(line.substr(std::min<std::size_t>(indent, 2)));
          continue;
        }
      }
      auto [command, description] = split_columns(line);
      blocks.push_back(Block{Block::Kind::example, command, {}, {}});
      if (!description.empty()) blocks.back().lines.push_back(description);
      current = &blocks.back();
      continue;
    }
    if (indent > 2 && current && (kind == Block::Kind::term || kind == Block::Kind::verbatim)) {
      current->lines.push_back(kind == Block::Kind::term ? line.substr(indent) : line);
      continue;
    }
    if (indent > 2) {
      blocks.push_back(Block{Block::Kind::verbatim, {}, {line}, {}});
    } else if (auto [term, description] = split_columns(line); indent > 0 && !description.empty()) {
      blocks.push_back(Block{Block::Kind::term, term, {description}, {}});
    } else if (current && kind == Block::Kind::paragraph) {
      current->lines.push_back(line);
      continue;
    } else {
      blocks.push_back(Block{Block::Kind::paragraph, {}, {line}, {}});
    }
    current = &blocks.back();
  }
  return blocks;
}

// \% keeps troff from hyphenating an option name or a command at the end of a line.
std::string bold_literal(std::string_view text) { return "\\fB\\%" + escape(text, Style::literal) + "\\fR"; }

std::string render_verbatim(const std::vector<std::string>& lines) {
  std::size_t strip = std::string::npos;
  for (const auto& line : lines) strip = std::min(strip, indentation(line));
  std::string out = ".PP\n.RS 4\n.EX\n";
  for (const auto& line : lines) out += text_line(escape(std::string_view(line).substr(strip), Style::literal)) + "\n";
  return out + ".EE\n.RE\n";
}

std::string render_blocks(const std::vector<Block>& blocks, const std::set<std::string>& skip) {
  std::string out;
  bool previous_bare = false;  // the last block was an example without a description
  for (const auto& block : blocks) {
    switch (block.kind) {
      case Block::Kind::paragraph:
        if (skip.count(join_lines(block.lines)) != 0) break;
        out += ".PP\n" + text_line(help_prose(join_lines(block.lines))) + "\n";
        break;
      case Block::Kind::term:
        out += ".TP\n" + text_line(bold_literal(block.term)) + "\n" + text_line(help_prose(join_lines(block.lines))) + "\n";
        break;
      case Block::Kind::verbatim:
        out += render_verbatim(block.lines);
        break;
      case Block::Kind::example:
        // Commands verbatim (they are meant to be copied), consecutive ones in one block; the
        // description, if any, indented below.
        if (previous_bare && block.lines.empty()) {
          out.erase(out.size() - 4);  // reopen the previous command's .EX block
        } else {
          out += ".PP\n.EX\n";
        }
        out += text_line(bold_literal(block.term)) + "\n";
        for (const auto& line : block.more) out += text_line(bold_literal(line)) + "\n";
        out += ".EE\n";
        if (!block.lines.empty()) out += ".RS\n" + text_line(help_prose(join_lines(block.lines))) + "\n.RE\n";
        break;
    }
    previous_bare = block.kind == Block::Kind::example && block.lines.empty();
  }
  return out;
}

// "[OPTIONS] url [name...]": punctuation roman, placeholders italic; the first `literal_words`
// words (the program and subcommand names) bold.
std::string render_usage(std::string_view usage, std::size_t literal_words) {
  std::string out;
  std::size_t word = 0;
  while (!usage.empty()) {
    const auto end = usage.find(' ');
    std::string_view token = usage.substr(0, end);
    usage.remove_prefix(end == std::string_view::npos ? usage.size() : end + 1);
    if (token.empty()) continue;
    if (!out.empty()) out += ' ';
    if (word++ < literal_words) {
      out += bold_literal(token);
      continue;
    }
    for (std::size_t i = 0; i < token.size();) {
      const auto name_end = token.find_first_of("[]|.", i);
      if (name_end == i) {
        out += token[i++];
        continue;
      }
      out += "\\fI" + escape(token.substr(i, name_end - i), Style::literal) + "\\fR";
      i = name_end == std::string_view::npos ? token.size() : name_end;
    }
  }
  return out;
}

std::string render_entries(const HelpList& list, bool positional, bool skip_help) {
  std::string out;
  for (const auto& entry : list.entries) {
    if (skip_help && std::find(entry.names.begin(), entry.names.end(), "--help") != entry.names.end()) continue;
    std::string tag;
    for (const auto& name : entry.names) {
      if (!tag.empty()) tag += ", ";
      tag += positional ? "\\fI" + escape(name, Style::literal) + "\\fR" : bold_literal(name);
    }
    std::string type = entry.type;
    bool required = false;
    if (positional) {
      // The usage line already shows what is required; "url URL" would say the name twice.
      type = type.find("...") != std::string::npos ? "..." : "";
    } else if (type == "REQUIRED" || type.ends_with(" REQUIRED")) {
      // CLI11 appends REQUIRED to the type ("--every DURATION REQUIRED"); it is no placeholder.
      type.erase(type.size() - std::min<std::size_t>(type.size(), 9));
      required = true;
    }
    if (!type.empty()) tag += type == "..." ? " ..." : " \\fI" + escape(type, Style::literal) + "\\fR";
    if (required) tag += " (required)";
    out += ".TP\n" + text_line(tag) + "\n" + text_line(help_prose(join_lines(entry.description))) + "\n";
  }
  return out;
}

std::string derive_summary(const HelpText& help, const std::string& name) {
  if (help.description.empty()) return name;
  std::string line = help.description.front().front();
  for (const std::string dash : {" \u2014 ", " - ", " -- "}) {
    if (line.rfind(name + dash, 0) == 0) {
      line.erase(0, name.size() + dash.size());
      break;
    }
  }
  const auto end = line.find_first_of(":.");
  return end == std::string::npos ? line : line.substr(0, end);
}

// Description paragraphs. A line with a gap of two spaces inside ("Line format: TIME  #SEQ  TYPE")
// is laid out by hand, so it starts a line of its own.
std::string paragraphs(const std::vector<std::vector<std::string>>& paragraphs, std::size_t first = 0) {
  std::string out;
  for (std::size_t i = first; i < paragraphs.size(); ++i) {
    out += ".PP\n";
    std::vector<std::string> text;
    for (const auto& line : paragraphs[i]) {
      const auto start = line.find_first_not_of(' ');
      if (!text.empty() && line.find("  ", start) != std::string::npos) {
        out += text_line(help_prose(join_lines(text))) + "\n.br\n";
        text.clear();
      }
      text.push_back(line);
    }
    out += text_line(help_prose(join_lines(text))) + "\n";
  }
  return out;
}

// Every command of the page, nested ones included, each with its words after the program's name
// ({"periodic", "register"}), in the page's order: a command, then its subcommands.
struct CommandRef {
  std::vector<std::string> path;
  const CommandHelp* command;
};

void collect(const std::vector<CommandHelp>& commands, std::vector<std::string>& path, std::vector<CommandRef>& out) {
  for (const auto& command : commands) {
    path.push_back(command.name);
    out.push_back({path, &command});
    collect(command.subcommands, path, out);
    path.pop_back();
  }
}

std::vector<CommandRef> all_commands(const ProgramHelp& help) {
  std::vector<CommandRef> out;
  std::vector<std::string> path;
  collect(help.subcommands, path, out);
  return out;
}

// Footer paragraphs every command repeats ("the global options work here too"), said once.
std::set<std::string> common_paragraphs(const std::vector<CommandRef>& commands) {
  std::set<std::string> common;
  bool first = true;
  for (const auto& ref : commands) {
    std::set<std::string> mine;
    for (const auto& section : ref.command->help.footer) {
      for (const auto& block : parse_blocks(section.lines, section.title == "EXAMPLES")) {
        if (block.kind == Block::Kind::paragraph) mine.insert(join_lines(block.lines));
      }
    }
    if (first) {
      common = std::move(mine);
      first = false;
    } else {
      std::erase_if(common, [&](const std::string& p) { return mine.count(p) == 0; });
    }
  }
  return commands.size() < 2 ? std::set<std::string>{} : common;
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : " ") + word;
  return out;
}

// Only dispatches to its subcommands: its usage ends in a required SUBCOMMAND (CLI11 writes
// "[SUBCOMMAND]" when the command also runs on its own).
bool only_dispatches(const CommandHelp& command) {
  const std::string_view usage = command.help.usage;
  return !command.subcommands.empty() && usage.size() >= 11 && usage.substr(usage.size() - 11) == " SUBCOMMAND";
}

// A command's subsection: "periodic register [OPTIONS] tag url" (its usage without the program's
// name), then its description, arguments, options and footer (examples...).
std::string command_section(const std::string& program, const CommandRef& ref, const std::set<std::string>& skip) {
  const HelpText& sub = ref.command->help;
  std::string usage = sub.usage.rfind(program + " ", 0) == 0 ? sub.usage.substr(program.size() + 1) : sub.usage;
  std::string out = ".SS " + quoted(usage.empty() ? join_words(ref.path) : usage) + "\n";
  // The first paragraph is the one-line summary shown in `--help`; the next one says it in full.
  out += paragraphs(sub.description, sub.description.size() > 1 ? 1 : 0);
  if (const HelpList* list = sub.list("Positionals")) out += render_entries(*list, true, false);
  if (const HelpList* list = sub.list("Options")) out += render_entries(*list, false, true);
  for (const auto& section : sub.footer) {
    const auto blocks = parse_blocks(section.lines, section.title == "EXAMPLES");
    std::string body = render_blocks(blocks, skip);
    if (body.empty()) continue;
    if (!section.title.empty()) {
      std::string title = section.title;
      std::transform(title.begin() + 1, title.end(), title.begin() + 1, [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      out += ".PP\n\\fI" + escape(title) + ":\\fR\n";
    }
    out += body;
  }
  return out;
}

}  // namespace

std::string help_prose(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  const auto word_start = [&](std::size_t at) { return at == 0 || std::string_view(" ([\"").find(text[at - 1]) != std::string_view::npos; };
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ') {
      out += ' ';
      i = text.find_first_not_of(' ', i);
      if (i == std::string_view::npos) break;
      continue;
    }
    if (c == '`') {
      const auto close = text.find('`', i + 1);
      if (close != std::string_view::npos) {
        out += bold_literal(text.substr(i + 1, close - i - 1));
        i = close + 1;
        continue;
      }
    }
    if (c == '-' && word_start(i)) {
      std::size_t letters = i;
      while (letters < text.size() && letters - i < 2 && text[letters] == '-') ++letters;
      if (letters < text.size() && std::isalpha(static_cast<unsigned char>(text[letters]))) {
        std::size_t end = letters;
        while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '-' || text[end] == '_')) ++end;
        while (text[end - 1] == '-') --end;
        out += bold_literal(text.substr(i, end - i));
        i = end;
        continue;
      }
    }
    const auto next = text.find_first_of(" `-", i + 1);
    out += escape(text.substr(i, next == std::string_view::npos ? std::string_view::npos : next - i));
    i = next == std::string_view::npos ? text.size() : next;
  }
  return out;
}

Page make_help_page(const ProgramHelp& help, PageInfo info) {
  const std::string& program = info.name;
  if (info.summary.empty()) info.summary = derive_summary(help.main, program);
  const auto commands = all_commands(help);
  const bool nested = std::any_of(commands.begin(), commands.end(), [](const CommandRef& ref) { return ref.path.size() > 1; });
  std::string note = "made from `" + program + " --help`";
  if (!commands.empty()) note += " and each `" + program + (nested ? " COMMAND [SUBCOMMAND] --help`" : " COMMAND --help`");
  Page page{info, note, false, {}};

  // One line per command that can be run: `syncctl periodic register ...`, not `syncctl periodic
  // SUBCOMMAND` (the lines of its subcommands say that).
  std::string synopsis = text_line(render_usage(help.main.usage, 1)) + "\n";
  for (const auto& ref : commands) {
    if (only_dispatches(*ref.command)) continue;
    synopsis += ".br\n" + text_line(render_usage(ref.command->help.usage, 1 + ref.path.size())) + "\n";
  }
  page.sections.push_back({"SYNOPSIS", synopsis});
  page.sections.push_back({"DESCRIPTION", paragraphs(help.main.description)});

  std::string options;
  if (const HelpList* list = help.main.list("Positionals")) options += render_entries(*list, true, false);
  if (const HelpList* list = help.main.list("Options")) options += render_entries(*list, false, false);
  if (!options.empty()) page.sections.push_back({"OPTIONS", options});

  if (!commands.empty()) {
    const auto common = common_paragraphs(commands);
    std::string body;
    for (const auto& paragraph : common) body += ".PP\n" + text_line(help_prose(paragraph)) + "\n";
    for (const auto& ref : commands) body += command_section(program, ref, common);
    page.sections.push_back({"COMMANDS", body});
  }

  for (const auto& section : help.main.footer) {
    const std::string body = render_blocks(parse_blocks(section.lines, section.title == "EXAMPLES"), {});
    if (section.title.empty()) {
      page.sections[1].body += body;  // text before any title belongs to the description
    } else {
      page.sections.push_back({section.title, body});
    }
  }
  return page;
}

}  // namespace bgsync::mangen
