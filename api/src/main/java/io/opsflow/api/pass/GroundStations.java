package io.opsflow.api.pass;

import io.opsflow.api.pass.PassDtos.CreateGroundStation;
import io.opsflow.api.pass.PassDtos.GroundStationView;
import io.opsflow.api.web.ApiException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Ground stations in PostgreSQL. */
@Component
public class GroundStations {

  private final JdbcTemplate jdbc;

  public GroundStations(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  public GroundStationView create(CreateGroundStation body) {
    double altitude = body.altitude() == null ? 0 : body.altitude();
    finite("latitude", body.latitude());
    finite("longitude", body.longitude());
    finite("altitude", altitude);
    String name = body.name().strip();
    try {
      long id =
          jdbc.queryForObject(
              "insert into ground_stations (name, host, port, latitude, longitude, altitude)"
                  + " values (?, ?, ?, ?, ?, ?) returning id",
              Long.class,
              name,
              body.host().strip(),
              body.port(),
              body.latitude(),
              body.longitude(),
              altitude);
      return require(id);
    } catch (DuplicateKeyException e) {
      throw new ApiException(
          HttpStatus.CONFLICT, "name: a ground station named '" + name + "' exists", "name");
    }
  }

  // Jackson reads "NaN" and "Infinity" as doubles; a location must be a number.
  private static void finite(String field, double value) {
    if (!Double.isFinite(value)) {
      throw ApiException.badRequest(field, field + ": must be a finite number");
    }
  }

  public Optional<GroundStationView> find(long id) {
    return jdbc
        .query("select * from ground_stations where id = ?", GroundStations::row, id)
        .stream()
        .findFirst();
  }

  /** The ground station, or 404. */
  public GroundStationView require(long id) {
    return find(id).orElseThrow(() -> ApiException.notFound("ground station " + id + " not found"));
  }

  public List<GroundStationView> list() {
    return jdbc.query("select * from ground_stations order by id", GroundStations::row);
  }

  private static GroundStationView row(ResultSet rs, int n) throws SQLException {
    return new GroundStationView(
        rs.getLong("id"),
        rs.getString("name"),
        rs.getString("host"),
        rs.getInt("port"),
        rs.getDouble("latitude"),
        rs.getDouble("longitude"),
        rs.getDouble("altitude"),
        rs.getTimestamp("created_at").toInstant());
  }
}
