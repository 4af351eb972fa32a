// Writers for sweeps: CSV rows per (method, grid point), JSON with every per-trial value, a
// self-contained SVG plot, and a gnuplot script with its data for PNG rendering.
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "banditry/sim/claims.hpp"
#include "banditry/sim/sweep.hpp"

namespace banditry::sim {

namespace detail {

inline std::string json_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  return out;
}

// JSON number: shortest round-trip text; NaN and infinities become null (JSON has no such values).
inline std::string json_number(double value) {
  if (!std::isfinite(value)) return "null";
  std::ostringstream out;
  out << std::setprecision(17) << value;
  return out.str();
}

inline std::string csv_number(double value) {
  if (!std::isfinite(value)) return "";
  std::ostringstream out;
  out << std::setprecision(10) << value;
  return out.str();
}

inline std::ofstream open_output(const std::filesystem::path& path) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path);
  if (!out) throw std::runtime_error("banditry: cannot open " + path.string() + " for writing");
  return out;
}

}  // namespace detail

/// Per-point summary of one method: mean, SE, quartiles and the bootstrap interval of the mean.
struct point_summary {
  double mean = 0, se = 0, median = 0, q25 = 0, q75 = 0, ci_lo = 0, ci_hi = 0;
  std::size_t trials = 0;
};

inline std::vector<std::vector<point_summary>> summarise(const sweep& s, std::uint64_t master_seed,
                                                         std::size_t resamples = 400) {
  std::vector<std::vector<point_summary>> out(s.methods.size(),
                                              std::vector<point_summary>(s.grid.size()));
  for (std::size_t m = 0; m < s.methods.size(); ++m) {
    for (std::size_t p = 0; p < s.grid.size(); ++p) {
      const auto& trials = s.values[m][p];
      if (trials.empty()) continue;
      auto& ps = out[m][p];
      ps.trials = trials.size();
      ps.mean = mean(trials);
      ps.se = trials.size() > 1 ? standard_error(trials) : 0;
      ps.median = quantile(trials, 0.5);
      ps.q25 = quantile(trials, 0.25);
      ps.q75 = quantile(trials, 0.75);
      ps.ci_lo = ps.ci_hi = ps.mean;
    }
  }
  // Bootstrap interval of each mean, from the same resample generators as the claims use.
  if (resamples > 0) {
    std::vector<std::vector<std::vector<double>>> draws(
        s.methods.size(), std::vector<std::vector<double>>(s.grid.size()));
    const auto counts = trial_counts(s);
    bool any_random = false;
    for (auto c : counts) any_random = any_random || c > 1;
    if (any_random) {
      for (std::size_t b = 0; b < resamples; ++b) {
        const auto sets = bootstrap_indices(master_seed, s.experiment, b, counts);
        for (std::size_t m = 0; m < s.methods.size(); ++m) {
          for (std::size_t p = 0; p < s.grid.size(); ++p) {
            if (s.values[m][p].size() != counts[p] || counts[p] == 0) continue;
            draws[m][p].push_back(resampled_statistic(s.values[m][p], sets[p], false));
          }
        }
      }
      for (std::size_t m = 0; m < s.methods.size(); ++m) {
        for (std::size_t p = 0; p < s.grid.size(); ++p) {
          if (draws[m][p].empty()) continue;
          out[m][p].ci_lo = quantile(draws[m][p], 0.025);
          out[m][p].ci_hi = quantile(draws[m][p], 0.975);
        }
      }
    }
  }
  return out;
}

/// Writes `DIR/EXPERIMENT.csv` with columns
/// experiment,method,param,value,trials,mean,se,median,q25,q75,ci_lo,ci_hi,rate,normalised.
inline void write_csv(const sweep& s, const std::vector<std::vector<point_summary>>& summary,
                      const std::filesystem::path& dir) {
  auto out = detail::open_output(dir / (s.experiment + ".csv"));
  out << "experiment,method,param,value,trials,mean,se,median,q25,q75,ci_lo,ci_hi,rate,"
         "normalised\n";
  for (std::size_t m = 0; m < s.methods.size(); ++m) {
    for (std::size_t p = 0; p < s.grid.size(); ++p) {
      const auto& ps = summary[m][p];
      if (ps.trials == 0) continue;
      out << s.experiment << ',' << s.methods[m] << ',' << s.parameter << ','
          << detail::csv_number(s.grid[p]) << ',' << ps.trials << ',' << detail::csv_number(ps.mean)
          << ',' << detail::csv_number(ps.se) << ',' << detail::csv_number(ps.median) << ','
          << detail::csv_number(ps.q25) << ',' << detail::csv_number(ps.q75) << ','
          << detail::csv_number(ps.ci_lo) << ',' << detail::csv_number(ps.ci_hi) << ',';
      if (s.rate) {
        out << detail::csv_number((*s.rate)[p]) << ','
            << detail::csv_number(ps.mean / (*s.rate)[p]);
      } else {
        out << ',';
      }
      out << '\n';
    }
  }
}

/// Writes `DIR/EXPERIMENT.json` with the name, id, seed, parameters, grid and per-trial values.
inline void write_json(const sweep& s, std::uint64_t master_seed,
                       const std::filesystem::path& dir) {
  auto out = detail::open_output(dir / (s.experiment + ".json"));
  out << "{\"experiment\": \"" << detail::json_escape(s.experiment)
      << "\", \"id\": " << fnv1a64(s.experiment) << ", \"master_seed\": " << master_seed
      << ", \"parameters\": {";
  bool first = true;
  for (const auto& [key, value] : s.info) {
    out << (first ? "" : ", ") << '"' << detail::json_escape(key) << "\": \""
        << detail::json_escape(value) << '"';
    first = false;
  }
  out << "}, \"parameter\": \"" << detail::json_escape(s.parameter) << "\", \"grid\": [";
  for (std::size_t p = 0; p < s.grid.size(); ++p) {
    out << (p ? ", " : "") << detail::json_number(s.grid[p]);
  }
  out << "], \"trials\": [";
  const auto counts = trial_counts(s);
  for (std::size_t p = 0; p < counts.size(); ++p) out << (p ? ", " : "") << counts[p];
  out << "], \"methods\": {";
  for (std::size_t m = 0; m < s.methods.size(); ++m) {
    out << (m ? ", " : "") << '"' << detail::json_escape(s.methods[m]) << "\": [";
    for (std::size_t p = 0; p < s.grid.size(); ++p) {
      out << (p ? ", " : "") << '[';
      for (std::size_t t = 0; t < s.values[m][p].size(); ++t) {
        out << (t ? ", " : "") << detail::json_number(s.values[m][p][t]);
      }
      out << ']';
    }
    out << ']';
  }
  out << "}}\n";
}

namespace detail {

struct axis {
  double lo, hi;
  bool log;
  double map(double v, double pixel_lo, double pixel_hi) const {
    const double a = log ? std::log10(v) : v;
    const double l = log ? std::log10(lo) : lo;
    const double h = log ? std::log10(hi) : hi;
    const double t = h > l ? (a - l) / (h - l) : 0.5;
    return pixel_lo + t * (pixel_hi - pixel_lo);
  }
};

inline std::vector<double> ticks(const axis& a) {
  std::vector<double> out;
  if (a.log) {
    const int first = static_cast<int>(std::floor(std::log10(a.lo)));
    const int last = static_cast<int>(std::ceil(std::log10(a.hi)));
    const int step = std::max(1, (last - first) / 8);
    for (int e = first; e <= last; e += step) {
      const double v = std::pow(10.0, e);
      if (v >= a.lo * 0.999 && v <= a.hi * 1.001) out.push_back(v);
    }
    if (out.size() < 3) {  // under three decades: ticks at 1, 2 and 5 times powers of ten
      out.clear();
      for (int e = first - 1; e <= last; ++e) {
        for (double mantissa : {1.0, 2.0, 5.0}) {
          const double v = mantissa * std::pow(10.0, e);
          if (v >= a.lo * 0.999 && v <= a.hi * 1.001) out.push_back(v);
        }
      }
    }
    if (out.size() < 2) {
      out.clear();
      for (int i = 0; i <= 4; ++i) out.push_back(a.lo * std::pow(a.hi / a.lo, i / 4.0));
    }
  } else {
    for (int i = 0; i <= 5; ++i) out.push_back(a.lo + (a.hi - a.lo) * i / 5.0);
  }
  return out;
}

// Tick text: plain numbers from 0.001 to 100000, else "1e-05" style.
inline std::string tick_label(double v) {
  std::ostringstream out;
  const double magnitude = std::abs(v);
  if (magnitude != 0 && (magnitude < 1e-3 || magnitude >= 1e5)) {
    out << std::setprecision(2) << v;
  } else {
    out << std::setprecision(magnitude >= 1 ? 6 : 3) << v;
  }
  return out.str();
}

// Log-log OLS fit (slope, intercept of log y on log x) of one method's positive values over the
// sweep's fit window, or nothing when fewer than two points are usable or an axis is linear.
inline std::optional<std::pair<double, double>> fitted_line(const sweep& s,
                                                            const std::vector<point_summary>& row) {
  if (!s.log_x || !s.log_y) return std::nullopt;
  std::vector<double> x;
  std::vector<double> y;
  const std::size_t last = std::min(s.fit_last, s.grid.size() - 1);
  for (std::size_t p = s.fit_first; p <= last; ++p) {
    if (row[p].trials == 0 || !(row[p].mean > 0) || !(s.grid[p] > 0)) continue;
    x.push_back(std::log(s.grid[p]));
    y.push_back(std::log(row[p].mean));
  }
  if (x.size() < 2 || x.front() == x.back()) return std::nullopt;
  const double slope = ols_slope(x, y);
  return std::pair(slope, mean(y) - slope * mean(x));
}

// Grid values spanned by the fit window, for drawing the fitted line only where it was fitted.
inline std::pair<double, double> fit_window(const sweep& s) {
  const std::size_t last = std::min(s.fit_last, s.grid.size() - 1);
  const std::size_t first = std::min(s.fit_first, last);
  return {std::min(s.grid[first], s.grid[last]), std::max(s.grid[first], s.grid[last])};
}

// What a plot shows of a sweep: methods without any value are dropped (with their reference
// lines), reference lines without a finite value are dropped, medians replace means when the
// sweep asks (bars then span the quartiles), and a sweep with a single grid value or no positive
// grid value gets a linear x axis. Returns nothing when no point can be drawn.
struct plot_data {
  sweep view;
  std::vector<std::vector<point_summary>> summary;
};

inline std::optional<plot_data> prepare_plot(
    const sweep& s, const std::vector<std::vector<point_summary>>& summary) {
  plot_data out;
  out.view = s;
  out.view.methods.clear();
  out.view.values.clear();
  out.view.reference.clear();
  bool any_positive_grid = false;
  for (double g : s.grid) any_positive_grid = any_positive_grid || g > 0;
  if (s.grid.size() < 2 || !any_positive_grid) out.view.log_x = false;
  for (std::size_t m = 0; m < s.methods.size(); ++m) {
    std::vector<point_summary> row = summary[m];
    bool drawable = false;
    for (std::size_t p = 0; p < row.size(); ++p) {
      auto& ps = row[p];
      if (ps.trials == 0) continue;
      if (s.plot_median) {
        ps.mean = ps.median;
        ps.ci_lo = ps.q25;
        ps.ci_hi = ps.q75;
      }
      const bool x_ok = !out.view.log_x || s.grid[p] > 0;
      const bool y_ok = std::isfinite(ps.mean) && (!out.view.log_y || ps.mean > 0);
      drawable = drawable || (x_ok && y_ok);
    }
    if (!drawable) continue;
    out.view.methods.push_back(s.methods[m]);
    out.view.values.push_back(s.values[m]);
    out.summary.push_back(std::move(row));
    std::vector<double> reference;
    if (m < s.reference.size()) {
      bool finite = false;
      for (double v : s.reference[m]) finite = finite || std::isfinite(v);
      if (finite) reference = s.reference[m];
    }
    out.view.reference.push_back(std::move(reference));
  }
  bool any_reference = false;
  for (const auto& r : out.view.reference) any_reference = any_reference || !r.empty();
  if (!any_reference) out.view.reference.clear();
  if (out.view.methods.empty()) return std::nullopt;
  return out;
}

inline bool has_reference(const sweep& s, std::size_t m) {
  return m < s.reference.size() && !s.reference[m].empty();
}

}  // namespace detail

/// Writes `DIR/EXPERIMENT.svg`: means with bootstrap error bars per method, the theory or
/// reference line dashed, log axes unless the sweep says otherwise. Points at or below 0 on a log
/// axis are left out and counted in the caption.
inline bool write_svg(const sweep& original,
                      const std::vector<std::vector<point_summary>>& original_summary,
                      const std::filesystem::path& dir) {
  const auto prepared = detail::prepare_plot(original, original_summary);
  if (!prepared) return false;
  const sweep& s = prepared->view;
  const auto& summary = prepared->summary;
  static const char* colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                  "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
  const double width = 720, height = 480, left = 80, right = 190, top = 50, bottom = 60;
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
  std::size_t left_out = 0;
  auto consider_y = [&](double v) {
    if (s.log_y && !(v > 0)) return false;
    if (!std::isfinite(v)) return false;
    ylo = std::min(ylo, v);
    yhi = std::max(yhi, v);
    return true;
  };
  for (std::size_t p = 0; p < s.grid.size(); ++p) {
    if (s.log_x && !(s.grid[p] > 0)) continue;
    xlo = std::min(xlo, s.grid[p]);
    xhi = std::max(xhi, s.grid[p]);
    for (std::size_t m = 0; m < s.methods.size(); ++m) {
      if (summary[m][p].trials == 0) continue;
      if (!consider_y(summary[m][p].mean)) {
        ++left_out;
        continue;
      }
      consider_y(summary[m][p].ci_lo);
      consider_y(summary[m][p].ci_hi);
      if (detail::has_reference(s, m)) consider_y(s.reference[m][p]);
    }
  }
  if (!std::isfinite(xlo)) xlo = 1, xhi = 10;
  if (!std::isfinite(ylo)) ylo = 1, yhi = 10;
  if (xhi <= xlo) xhi = xlo * (s.log_x ? 2 : 1) + 1;
  if (yhi <= ylo) yhi = s.log_y ? ylo * 2 : ylo + 1;
  if (s.log_x) {  // keep the end points off the frame
    xlo /= 1.15;
    xhi *= 1.15;
  } else {
    const double pad = 0.03 * (xhi - xlo);
    xlo -= pad;
    xhi += pad;
  }
  if (s.log_y) {
    ylo /= 1.2;
    yhi *= 1.2;
  } else {
    const double pad = 0.05 * (yhi - ylo);
    ylo -= pad;
    yhi += pad;
  }
  const detail::axis ax{xlo, xhi, s.log_x};
  const detail::axis ay{ylo, yhi, s.log_y};
  auto px = [&](double v) { return ax.map(v, left, width - right); };
  auto py = [&](double v) { return ay.map(v, height - bottom, top); };

  auto out = detail::open_output(dir / (s.experiment + ".svg"));
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" "
         "fill=\"white\"/>\n";
  std::string title = s.experiment;
  if (!s.claim.empty())
    title += "  [" + s.claim + (s.verdict.empty() ? "" : ": " + s.verdict) + "]";
  out << "<text x=\"" << width / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">"
      << title << "</text>\n";
  out << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << width - left - right
      << "\" height=\"" << height - top - bottom << "\" fill=\"none\" stroke=\"black\"/>\n";
  for (double t : detail::ticks(ax)) {
    out << "<line x1=\"" << px(t) << "\" x2=\"" << px(t) << "\" y1=\"" << height - bottom
        << "\" y2=\"" << height - bottom + 5 << "\" stroke=\"black\"/><text x=\"" << px(t)
        << "\" y=\"" << height - bottom + 18 << "\" text-anchor=\"middle\">"
        << detail::tick_label(t) << "</text>\n";
  }
  for (double t : detail::ticks(ay)) {
    out << "<line x1=\"" << left - 5 << "\" x2=\"" << left << "\" y1=\"" << py(t) << "\" y2=\""
        << py(t) << "\" stroke=\"black\"/><text x=\"" << left - 8 << "\" y=\"" << py(t) + 4
        << "\" text-anchor=\"end\">" << detail::tick_label(t) << "</text>\n";
  }
  const std::string x_label = (s.parameter.empty() ? std::string("grid point") : s.parameter) +
                              (s.log_x ? " (log scale)" : "");
  out << "<text x=\"" << (left + width - right) / 2 << "\" y=\"" << height - 22
      << "\" text-anchor=\"middle\">" << x_label << "</text>\n";
  const std::string y_label = s.info.count("metric") ? s.info.at("metric") : std::string("metric");
  out << "<text transform=\"translate(18," << (top + height - bottom) / 2
      << ") rotate(-90)\" text-anchor=\"middle\">" << y_label << (s.log_y ? " (log scale)" : "")
      << "</text>\n";
  for (std::size_t m = 0; m < s.methods.size(); ++m) {
    const char* colour = colours[m % 8];
    std::string path;
    for (std::size_t p = 0; p < s.grid.size(); ++p) {
      const auto& ps = summary[m][p];
      if (ps.trials == 0 || (s.log_y && !(ps.mean > 0)) || (s.log_x && !(s.grid[p] > 0))) continue;
      const double x = px(s.grid[p]);
      path += (path.empty() ? "M" : " L") + detail::tick_label(x) + "," +
              detail::tick_label(py(ps.mean));
      const double lo = s.log_y && !(ps.ci_lo > 0) ? ylo : ps.ci_lo;
      out << "<line x1=\"" << x << "\" x2=\"" << x << "\" y1=\"" << py(lo) << "\" y2=\""
          << py(ps.ci_hi) << "\" stroke=\"" << colour << "\"/>";
      out << "<circle cx=\"" << x << "\" cy=\"" << py(ps.mean) << "\" r=\"3.5\" fill=\"" << colour
          << "\"/>\n";
    }
    if (!path.empty()) {
      out << "<path d=\"" << path << "\" fill=\"none\" stroke=\"" << colour << "\"/>\n";
    }
    if (const auto fit = detail::fitted_line(s, summary[m])) {
      // Drawn over the fitted grid values only, so a bend outside the claim's window stays visible.
      const auto [fit_lo, fit_hi] = detail::fit_window(s);
      const double y0 = std::exp(fit->second + fit->first * std::log(fit_lo));
      const double y1 = std::exp(fit->second + fit->first * std::log(fit_hi));
      out << "<line x1=\"" << px(fit_lo) << "\" y1=\"" << py(std::clamp(y0, ylo, yhi)) << "\" x2=\""
          << px(fit_hi) << "\" y2=\"" << py(std::clamp(y1, ylo, yhi)) << "\" stroke=\"" << colour
          << "\" stroke-dasharray=\"1,3\" stroke-width=\"1.5\"/>\n";
    }
    if (detail::has_reference(s, m)) {
      std::string ref;
      for (std::size_t p = 0; p < s.grid.size(); ++p) {
        const double v = s.reference[m][p];
        if (!std::isfinite(v) || (s.log_y && !(v > 0))) continue;
        ref += (ref.empty() ? "M" : " L") + detail::tick_label(px(s.grid[p])) + "," +
               detail::tick_label(py(v));
      }
      if (!ref.empty()) {
        out << "<path d=\"" << ref << "\" fill=\"none\" stroke=\"" << colour
            << "\" stroke-dasharray=\"6,4\"/>\n";
      }
    }
    const double ly = top + 16 + 18.0 * m;
    std::string label = s.methods[m];
    if (const auto fit = detail::fitted_line(s, summary[m])) {
      label += " (slope " + format_number(fit->first, 2) + ")";
    }
    out << "<line x1=\"" << width - right + 12 << "\" x2=\"" << width - right + 32 << "\" y1=\""
        << ly << "\" y2=\"" << ly << "\" stroke=\"" << colour << "\" stroke-width=\"2\"/><text x=\""
        << width - right + 38 << "\" y=\"" << ly + 4 << "\">" << label << "</text>\n";
  }
  const double note_y = top + 16 + 18.0 * s.methods.size() + 10;
  out << "<text x=\"" << width - right + 12 << "\" y=\"" << note_y << "\" font-size=\"10\">"
      << (s.plot_median ? "dots: median; bars: quartiles" : "dots: mean; bars: 95% bootstrap CI")
      << "</text>\n";
  out << "<text x=\"" << width - right + 12 << "\" y=\"" << note_y + 14
      << "\" font-size=\"10\">dotted: log-log OLS fit</text>\n";
  if (!s.reference.empty()) {
    out << "<text x=\"" << width - right + 12 << "\" y=\"" << note_y + 28
        << "\" font-size=\"10\">dashed: " << s.reference_label << "</text>\n";
  }
  if (left_out > 0) {
    out << "<text x=\"" << left << "\" y=\"" << height - 4 << "\" font-size=\"10\">" << left_out
        << " point(s) with value 0 left out of the log axis (kept in the CSV)</text>\n";
  }
  out << "</svg>\n";
  return true;
}

/// Writes `DIR/EXPERIMENT.dat` and `EXPERIMENT.gp`, a gnuplot script that renders
/// `EXPERIMENT.png` from the data with the same axes as the SVG.
inline bool write_gnuplot(const sweep& original,
                          const std::vector<std::vector<point_summary>>& original_summary,
                          const std::filesystem::path& dir) {
  const auto prepared = detail::prepare_plot(original, original_summary);
  if (!prepared) return false;
  const sweep& s = prepared->view;
  const auto& summary = prepared->summary;
  {
    auto data = detail::open_output(dir / (s.experiment + ".dat"));
    for (std::size_t m = 0; m < s.methods.size(); ++m) {
      data << "# method " << s.methods[m] << "\n# value mean ci_lo ci_hi reference\n";
      for (std::size_t p = 0; p < s.grid.size(); ++p) {
        const auto& ps = summary[m][p];
        if (ps.trials == 0) continue;
        if ((s.log_y && !(ps.mean > 0)) || (s.log_x && !(s.grid[p] > 0))) continue;
        const double ref = detail::has_reference(s, m) ? s.reference[m][p]
                                                       : std::numeric_limits<double>::quiet_NaN();
        data << std::setprecision(10) << s.grid[p] << ' ' << ps.mean << ' '
             << (s.log_y && !(ps.ci_lo > 0) ? ps.mean : ps.ci_lo) << ' ' << ps.ci_hi << ' '
             << (std::isfinite(ref) ? std::to_string(ref) : std::string("NaN")) << '\n';
      }
      data << "\n\n";
    }
  }
  auto gp = detail::open_output(dir / (s.experiment + ".gp"));
  std::string title = s.experiment;
  if (!s.claim.empty())
    title += "  [" + s.claim + (s.verdict.empty() ? "" : ": " + s.verdict) + "]";
  const std::string y_label = s.info.count("metric") ? s.info.at("metric") : std::string("metric");
  gp << "set terminal pngcairo size 900,600 noenhanced\nset output '" << s.experiment << ".png'\n"
     << "set title '" << title << "'\nset xlabel '"
     << (s.parameter.empty() ? "grid point" : s.parameter) << "'\nset ylabel '" << y_label << "'\n"
     << (s.log_x ? "set logscale x\n" : "") << (s.log_y ? "set logscale y\n" : "")
     << "set key outside right\nset grid\nset datafile missing 'NaN'\n"
     << "set format x '%g'\nset format y '%g'\nset autoscale fix\n"
     << "set offsets graph 0.04, graph 0.04, graph 0.06, graph 0.06\nplot ";
  for (std::size_t m = 0; m < s.methods.size(); ++m) {
    gp << (m ? ", \\\n     " : "") << "'" << s.experiment << ".dat' index " << m
       << " using 1:2:3:4 with yerrorlines lc " << m + 1 << " title '" << s.methods[m] << "'";
    if (detail::has_reference(s, m)) {
      gp << ", '' index " << m << " using 1:5 with lines dt 2 lc " << m + 1 << " title '"
         << s.methods[m] << " " << s.reference_label << "'";
    }
    if (const auto fit = detail::fitted_line(s, summary[m])) {
      const auto [fit_lo, fit_hi] = detail::fit_window(s);
      gp << ", (x >= " << std::setprecision(10) << fit_lo << " && x <= " << fit_hi << " ? exp("
         << fit->second << ") * x**(" << fit->first << ") : 1/0) with lines dt 3 lc " << m + 1
         << " title '" << s.methods[m] << " fit, slope " << format_number(fit->first, 2) << "'";
    }
  }
  gp << "\n";
  return true;
}

}  // namespace banditry::sim
